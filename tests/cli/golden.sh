#!/bin/sh
# certify's outputs byte for byte against tests/golden/out (certificates,
# examples files, exit codes, summaries): tests/golden/golden.sh.
exec sh tests/golden/golden.sh check
