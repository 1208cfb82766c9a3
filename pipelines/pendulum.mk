# The notebook's method on Pendulum-v1 (Nagabandi et al. 2017 with random shooting):
# 20 random episodes, an MLP 4-64-64-3 with batch norm, random-shooting MPC with K 1024, H 15.
# Every variable can be overridden on the command line: make EPISODES=30.

ENV ?= pendulum
# collect: random-policy episodes, steps per episode (empty: the environment's limit, 200)
EPISODES ?= 20
MAX_STEPS ?=
