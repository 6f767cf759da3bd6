# A test that fails on purpose (test 5), to show the harness and the headless command report failures.
#include "env.h"
RVTEST_BEGIN
        TEST_RR(2, add, 3, 1, 2)
        TEST_RR(5, add, 4, 1, 2)
RVTEST_END
