"""Custom Rasa components, loaded by Rasa from nlu/config.yml (Rasa's own environment only).

Rasa puts its working directory on ``sys.path``; every command that runs Rasa here (train.py,
evaluate.py, nlu_bench.py, bot/processes/nlu.py, the Makefile, the NLU image) runs it from the
repository root, so ``nlu.components.…`` resolves.
"""
