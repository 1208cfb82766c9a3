# Ant-v4 with PETS's model and planner as in halfcheetah-pets (5 Gaussian SiLU members of
# 3 × 200, MPPI 400 × 5 particles TS-∞ on the members' means), on the ant preset's data schedule.
ENV ?= ant
ITERS ?= 3
TEST_STARTS ?= pipelines/ant-test-starts.h5
include pipelines/halfcheetah-pets.mk
