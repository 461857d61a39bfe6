"""gunicorn's settings for the service, read from the checkout (scripts/run.sh and the bench scripts start it
there): each worker warms the app (app/warmup.py) before it takes its first request, so that the first request
after a start answers as fast as the rest."""


def post_worker_init(worker) -> None:
    from app.warmup import warm

    warm(worker.wsgi)
