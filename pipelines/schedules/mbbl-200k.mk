# MBBL's budget (Wang et al. 2019, Table 1: 200,000 environment steps of 1,000-step episodes) as the
# paper's data schedule: 10 random episodes, then 19 iterations of 10 planned episodes, each followed by
# aggregation and training; tested from 10 fixed starts. Included by the presets that run at that
# budget, so they differ only in what they set themselves. On the tasks that terminate (Hopper, Ant) an
# episode has no fixed length: their presets set RANDOM_STEPS and PLAN_STEPS to 10,000, the same steps
# counted as steps.
EPISODES ?= 10
ITERS ?= 19
PLAN_EPISODES ?= 10
TEST_EPISODES ?= 10
