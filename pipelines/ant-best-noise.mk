# ant-best with one change, the training: Gaussian noise of 0.01 standard deviations on every training
# input's observation, the state-change target corrected by it (train --input-noise; INPUT_NOISE). On
# ant-best seed 0's 200,000 steps, a 200-200 network trained from scratch with it planned 905.6 from 5
# test starts, every episode to the time limit, against 663.2 and two falls without it, though its
# open-loop errors were no lower (one model each, one planner seed: docs/RESULTS.md, "Ant: model
# capacity and input noise"); this run says whether that holds over a whole run, on ant-best's seeds.
INPUT_NOISE ?= 0.01
include pipelines/ant-best.mk
