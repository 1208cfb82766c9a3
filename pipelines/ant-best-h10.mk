# ant-best with one change, the planning depth: iCEM 300 × H 10 instead of H 30. On ant-best seed 0's
# final model the shorter depth spent less than half the control effort and scored 1,006.1 against
# 828.3 on the 10 test starts, with more episodes ended by a leap (3 against 1; one model, one planner
# seed: docs/RESULTS.md, "Ant", docs/ablations/ant-horizon.txt); this run says whether that holds over
# a whole run, on the same seeds as ant-best.
HORIZON ?= 10
include pipelines/ant-best.mk
