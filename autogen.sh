#!/bin/sh
# Regenerate the build system: ./autogen.sh && ./configure && make
exec autoreconf -fi
