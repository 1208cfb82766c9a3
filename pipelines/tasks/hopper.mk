# Hopper-v4 (MuJoCo) on the halfcheetah task's network, training and planning budget. Random episodes
# end early (the hopper falls after a few dozen steps), so the random data is 200 episodes; 3
# iterations of 2 planned episodes of at most 1,000 steps. The planner's rollouts stop collecting
# reward at a predicted fall (Hopper's health check on the predicted observation).
ENV ?= hopper
EPISODES ?= 200
ITERS ?= 3
TEST_STARTS ?= pipelines/hopper-test-starts.h5
include pipelines/tasks/halfcheetah.mk
