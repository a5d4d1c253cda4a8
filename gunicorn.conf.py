"""gunicorn's settings for `make serve` and deploy/marketing-web.service (gunicorn reads
this file from the folder it starts in). docs/logs.md, The web server's access log."""

# One line per request on stdout: the address, method, path without its query string
# (a search for a name is personal data), status, size, time and the request id that
# every application log line of that request carries, so one grep finds them all.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'

# The longest request line gunicorn reads (its maximum; the default is 4094 bytes): a
# list's URL with several filters in NAV's syntax, percent-encoded, can pass 4 KB. Longer
# is answered 414 by gunicorn itself (docs/api.md, Fuzzed from its own schema).
limit_request_line = 8190


def post_worker_init(worker):
    """Move everything the worker loaded at start (Django, the apps, the URL
    patterns, the translations) out of the garbage collector's sight: a full
    collection then walks only what requests made, not those hundreds of thousands
    of objects. The request it falls in is that much faster (in the benchmark's
    process, which held far more, 120 ms; docs/performance.md, Ten million
    contacts)."""
    import gc

    gc.freeze()
