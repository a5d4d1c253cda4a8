"""gunicorn's settings for `make serve` and deploy/marketing-web.service (gunicorn reads
this file from the folder it starts in). docs/logs.md, The web server's access log."""

# One line per request on stdout: the address, method, path without its query string
# (a search for a name is personal data), status, size, time and the request id that
# every application log line of that request carries, so one grep finds them all.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
