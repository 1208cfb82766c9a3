# HalfCheetah-v4 (MuJoCo) with the paper's model-based loop (Nagabandi et al. 2017): random rollouts,
# then MPC on the learned model and aggregation of its rollouts. Sized for a 2-core machine rather than
# the paper's budget: the paper's MB stage uses a 500-500 network and K 1000 × H 20 on far more data;
# here the network is 200-200 (timings and scores: docs/PERFORMANCE.md, docs/RESULTS.md). What a method
# changes is in pipelines/methods/; every variable can be overridden on the command line:
# make TASK=halfcheetah EPISODES=20.

ENV ?= halfcheetah
# collect: 10 random episodes of the full 1,000 steps (10,000 transitions).
EPISODES ?= 10
MAX_STEPS ?=
RANDOM_STEPS ?=

# train: the MuJoCo tasks' network, minibatches of 512.
include pipelines/common/mujoco-network.mk

# The loop: 2 MPC episodes of 1,000 steps per iteration, 10 iterations (30,000 transitions in all).
ITERS ?= 10
PLAN_EPISODES ?= 2
PLAN_STEPS ?=
WARM_START ?= yes
NEW_DATA_FRACTION ?=
INPUT_NOISE ?=
CORRECTION_HORIZON ?=

# plan: the paper's budget, K 1000 candidates, horizon 20, no discount. The planning reward is
# HalfCheetah's reward formula on the model's prediction, its forward progress from the predicted Δx
# of the root (docs/planning-rewards.md).
CANDIDATES ?= 1000
HORIZON ?= 20
DISCOUNT ?= 1
# VALUE_DISCOUNT (empty: none): a terminal value fitted to the returns-to-go discounted by it, beside each
# model, added to every plan's candidates (the `value` stage, plan --value; docs/PLANNERS.md).
VALUE_DISCOUNT ?=
THREADS ?=
# PITCH_LIMIT (set by the presets that use it) and its PITCH_PENALTY: plan --pitch-limit, --pitch-penalty.
PITCH_PENALTY ?=
# MPPI's temperature λ and noise σ on the MuJoCo tasks (methods mppi and pets): σ 0.5 in the actions'
# [-1, 1]; returns over 20 steps differ by tens between candidates, so λ 1 singles out a few good ones.
MPPI_OPTIONS ?= --temperature 1 --noise 0.5

# test and evaluate: 5 episodes of the final model from fixed starts (scripts/make_mujoco_test_starts.py);
# model error on 3 random episodes collected with another seed; open-loop error up to 30 steps.
TEST_EPISODES ?= 5
TEST_STARTS ?= pipelines/halfcheetah-test-starts.h5
HELDOUT_EPISODES ?= 3
MAX_K ?= 30
