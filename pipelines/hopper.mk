# Hopper-v4 (MuJoCo) with the paper's loop, on the halfcheetah preset's network, training and planner
# (random shooting K 1000 × H 20). Random episodes end early (the hopper falls after about 20 to 40
# steps), so the random data is 200 episodes (about 5,000 transitions); 3 iterations of 2 planned
# episodes of at most 1,000 steps. The planner's rollouts stop collecting reward at a predicted fall
# (Hopper's health check on the predicted observation).
ENV ?= hopper
EPISODES ?= 200
ITERS ?= 3
TEST_STARTS ?= pipelines/hopper-test-starts.h5
include pipelines/halfcheetah.mk
