# Swimmer-v4 (MuJoCo) with the paper's loop, on the halfcheetah preset's network, training and planner
# (random shooting K 1000 × H 20): 10 random episodes of 1,000 steps, then 3 iterations of 2 planned
# episodes.
ENV ?= swimmer
ITERS ?= 3
TEST_STARTS ?= pipelines/swimmer-test-starts.h5
include pipelines/halfcheetah.mk
