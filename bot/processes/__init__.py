"""Every process the bot runs, in one place: each module starts one of them (`frivillig <command>`).

- `cli`: the `frivillig` command line (`[project.scripts]`); it dispatches to the modules below.
- `webhook`: `frivillig run --webhook`, a uvicorn-served Telegram webhook worker (several in
  production); each also sends from the outbox. The ASGI app itself is `bot.webhook.asgi`.
- `dispatcher`: `frivillig dispatcher`, the outbox sender as its own process (several on
  PostgreSQL). The sending loop itself is `bot.delivery.dispatcher`.
- `scheduler`: `frivillig scheduler`, the one APScheduler process beside the webhook workers,
  with its heartbeat. The jobs and their set-up are in the `scheduler` package.
- `nlu`: starts (or reuses) the Rasa NLU server beside the bot for `frivillig run/chat
  --start-nlu` (`make run`); production runs Rasa as its own service.

`frivillig run` without `--webhook` runs everything in one process: polling, the scheduler and
the dispatcher (see `cli`).
"""
