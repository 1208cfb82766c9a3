# Ant-v4 (MuJoCo) on the halfcheetah task's network, training and planning budget: 10 random episodes
# of at most 1,000 steps, then 3 iterations of 2 planned episodes. The planner's rollouts stop
# collecting reward where the predicted torso height leaves [0.2, 1] (Ant's health check on the
# predicted observation).
ENV ?= ant
ITERS ?= 3
TEST_STARTS ?= pipelines/ant-test-starts.h5
include pipelines/tasks/halfcheetah.mk
