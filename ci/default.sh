#!/usr/bin/env bash
# Default build (optimised, assertions on, -march=native): every test label.
source "$(dirname "$0")/lib.sh"
build_preset default
test_preset default
