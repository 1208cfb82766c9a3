# HalfCheetah-v4 (MuJoCo) with the paper's model-based loop (Nagabandi et al. 2017): random rollouts,
# then MPC with random shooting on the learned model and aggregation of its rollouts. Sized for this
# 2-core machine rather than the paper's budget: the paper's MB stage uses a 500-500 network and
# K 1000 × H 20 on far more data; here the network is 200-200, so one control step (K 1000 × H 20
# network rows) takes about 16 ms on 2 threads and 26 ms on one (make bench, idle machine), so the
# 25,000 planned steps of a run (20,000 in the loop, 5,000 in the test) should take 7 to 11 minutes
# on an idle machine (computed, not measured). A whole
# run took 21 CPU-minutes with one planner thread (78 minutes of wall time on a machine shared 4 to 6
# ways); seed 0 scored 51.8 ± 35.1 (docs/RESULTS.md, "The MuJoCo tasks").
# Every variable can be overridden on the command line: make PIPELINE=halfcheetah EPISODES=20.

ENV ?= halfcheetah
# collect: 10 random episodes of the full 1,000 steps (10,000 transitions).
EPISODES ?= 10
MAX_STEPS ?=

# train: two Linear-BatchNorm-ReLU blocks of width 200 with Adam, larger minibatches than Pendulum's.
HIDDEN ?= 200
DEPTH ?= 2
BATCH_NORM ?= yes
BATCH_SIZE ?= 512
LR ?= 0.001
BETA1 ?= 0.9
BETA2 ?= 0.999
WEIGHT_DECAY ?= 0
EPOCHS ?= 60
PATIENCE ?= 10
VAL_FRACTION ?= 0.1

# The loop: 2 MPC episodes of 1,000 steps per iteration, 10 iterations (30,000 transitions in all).
ITERS ?= 10
PLAN_EPISODES ?= 2
WARM_START ?= yes
NEW_DATA_FRACTION ?=

# plan: random shooting as in the paper, K 1000 candidates, horizon 20, no discount. The planning
# reward is HalfCheetah's batched reward on predicted observations, which approximates the forward
# progress by the root's velocity (MuJoCoEnvironment.rewards; docs/ENVIRONMENTS.md, "Planning on predicted
# observations").
PLANNER ?= rs
CANDIDATES ?= 1000
HORIZON ?= 20
DISCOUNT ?= 1
PLAN_ITERATIONS ?=
PLANNER_OPTIONS ?=
THREADS ?=

# test and evaluate: 5 episodes of the final model from fixed starts (scripts/make_mujoco_test_starts.py);
# model error on 3 random episodes collected with another seed; open-loop error up to 30 steps.
TEST_EPISODES ?= 5
TEST_STARTS ?= pipelines/halfcheetah-test-starts.h5
HELDOUT_EPISODES ?= 3
MAX_K ?= 30
