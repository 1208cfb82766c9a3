# The paper's method (Nagabandi et al. 2017): the single network, MPC with random shooting over the
# task's CANDIDATES × HORIZON. METHOD=rs is the default; a pipeline of a task and rs is named after the
# task alone (PIPELINE=halfcheetah).
PLANNER ?= rs
PLAN_ITERATIONS ?=
PLANNER_OPTIONS ?=
