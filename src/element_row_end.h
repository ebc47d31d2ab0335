/* Closes one row of element_instances.h: the row's own macros, so that the next row may set them.
 */
#undef E_KIND
#undef E_SUFFIX
#undef E_REAL
#undef E_REAL_NAME
#undef E_COEF_NAME
#undef E_DATA_NAME
#undef E_COMPLEX
