# Swimmer-v4 at MBBL's budget (pipelines/schedules/mbbl-200k.mk) with the planner that scored highest
# on one learned swimmer model among those tried: MPPI (pipelines/methods/mppi.mk), K 1000 × H 20, the
# MuJoCo tasks' temperature and noise. Longer horizons and iCEM's smoother noise scored lower there.
# How it was chosen and what it scores, per seed: docs/RESULTS.md, "The other tasks at MBBL's budget".
TASK := swimmer
METHOD := mppi
include pipelines/schedules/mbbl-200k.mk
