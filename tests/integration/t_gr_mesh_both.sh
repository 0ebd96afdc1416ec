#!/bin/sh
# t_gr_mesh_rolling.sh with n2 and n3 killed (-9) at the same moment and
# started again together: each may see the other's R bit.
GR_MESH=both exec sh "$(dirname "$0")/t_gr_mesh_rolling.sh"
