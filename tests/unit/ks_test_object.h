/* Sample compiled objects for the object-format and cache tests. */
#ifndef KS_TEST_OBJECT_H
#define KS_TEST_OBJECT_H

#include <stdbool.h>

#include "ks_object.h"

/* variant 0: two maps, two programs (one referring to a map); 1: a different program
 * text; 2: no maps and no programs. Free with ks_object_free. */
struct ks_object *ks_test_object(int variant);

/* Field-by-field equality; prints the first difference to stderr. */
bool ks_test_object_equal(const struct ks_object *a, const struct ks_object *b);

#endif
