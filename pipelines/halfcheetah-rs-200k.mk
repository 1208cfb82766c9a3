# HalfCheetah-v4 with the paper's method (Nagabandi et al. 2017: random shooting on a learned 2 × 200
# network, aggregation of the planned episodes) at MBBL's budget (Wang et al. 2019, Table 1: 200,000
# environment steps): 10 random episodes, then 19 iterations of 10 planned episodes of 1,000 steps,
# tested from 10 fixed starts. Everything else is the halfcheetah task's.
TASK := halfcheetah
METHOD := rs
EPISODES ?= 10
ITERS ?= 19
PLAN_EPISODES ?= 10
TEST_EPISODES ?= 10
