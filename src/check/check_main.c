/* bin/nrc-check: the independent checker as its own program (spec/CHECK.md).
 * Built only from src/check and the readers of src/core (GNUmakefile), so
 * nothing of the certifier or the trainer is in its trust base.
 *   nrc-check CERT MODEL        same as `certify --check CERT MODEL`
 *   nrc-check --cite CERT       same as `certify --cite CERT` */
#include "nrc_check.h"

int main(int argc, char **argv)
{
    return nrc_check_main(argc, argv);
}
