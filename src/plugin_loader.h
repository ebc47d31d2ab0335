/* Opening backend plugins (liblinrec_<name>.so) with dlopen. */
#ifndef LINREC_SRC_PLUGIN_LOADER_H
#define LINREC_SRC_PLUGIN_LOADER_H

#include "backend.h"

/* Finds liblinrec_<name>.so in the absolute folders of LINREC_BACKEND_PATH (':'-separated, read
 * with secure_getenv; empty and relative entries are ignored with a note under LINREC_VERBOSE)
 * when it names any, else in <folder of liblinrec>/linrec/ only; opens it and asks its entry point
 * for the backend table. Returns LINREC_ERR_BACKEND_UNAVAILABLE with every folder tried. */
linrec_status linrec__plugin_load(const char *name, const linrec__backend **backend, void **handle);
/* Closes a handle from linrec__plugin_load; NULL is a no-op. */
void linrec__plugin_unload(void *handle);

#endif /* LINREC_SRC_PLUGIN_LOADER_H */
