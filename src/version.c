#include "linrec/linrec.h"

const char *linrec_version(void)
{
    return LINREC_VERSION_STRING;
}
