# iCEM on HalfCheetah (TASK=halfcheetah METHOD=icem), the pair's own setting: tested from 10 fixed
# starts.
TASK := halfcheetah
METHOD := icem
TEST_EPISODES ?= 10
