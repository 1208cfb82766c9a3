# Swimmer-v4 (MuJoCo) on the halfcheetah task's network, training and planning budget: 10 random
# episodes of 1,000 steps, then 3 iterations of 2 planned episodes.
ENV ?= swimmer
ITERS ?= 3
TEST_STARTS ?= pipelines/swimmer-test-starts.h5
include pipelines/tasks/halfcheetah.mk
