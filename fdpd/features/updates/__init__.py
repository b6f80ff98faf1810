"""Update checks of pulled configs: run on demand and on the
schedule (APScheduler)."""
