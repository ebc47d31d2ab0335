#include "required.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int test_required(const char *suite)
{
    const char *list = getenv("LINREC_TEST_REQUIRE");
    size_t name_length = strcspn(suite, ":");
    for (const char *item = list; item && *item;) {
        size_t length = strcspn(item, ",");
        if (length == name_length && strncasecmp(item, suite, length) == 0)
            return 1;
        item += length + (item[length] == ',');
    }
    return 0;
}
