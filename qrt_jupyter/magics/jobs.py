"""``%qrt_jobs`` (the list), ``%qrt_job`` (one job, live, again) and ``%qrt_cancel``."""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..status import backend_name_of, fact, job_id_of, program_of, status_of
from . import args as qargs
from .base import MagicsBase
from .errors import runtime_exceptions, usage_errors
from .lookup import find_job

__all__ = ["JobMagics"]


@magics_class
class JobMagics(MagicsBase):
    jobs_limit: int

    @magic_arguments()
    @qargs.job_filter_flags
    @line_magic
    def qrt_jobs(self, line):
        """List recent jobs of the active service, newest first (also jobs of earlier kernels)."""
        args = self._parse(self.qrt_jobs, line)
        if args.pending and args.finished:
            raise UsageError("--pending and --finished exclude each other; give one")
        pending = True if args.pending else False if args.finished else None
        service = self._service()
        with usage_errors("%qrt_jobs"):
            jobs = service.jobs(
                limit=args.limit or self.jobs_limit,
                skip=args.skip,
                program_id=args.program,
                pending=pending,
                backend_name=args.backend,
            )
            rows = [
                (job_id_of(job), program_of(job), backend_name_of(job, ask=True), status_of(job),
                 fact(job, "creation_date"))
                for job in jobs
            ]
        self._show_listing(
            "Jobs", service, ("job", "program", "backend", "status", "created"), rows, empty="No jobs found. %qrt_run hello-world starts one."
        )

    @magic_arguments()
    @argument("job_id", nargs="?", metavar="JOB_ID", help="the job (default: the newest job)")
    @qargs.output_flag("the job")
    @qargs.wait_flag
    @qargs.widget_flag
    @line_magic
    def qrt_job(self, line):
        """Show a job's live widget (or status line) again, also for a job of an earlier kernel.

        Without JOB_ID: the newest job. ``-o NAME`` stores the job object.
        """
        args = self._parse(self.qrt_job, line)
        service = self._service()
        if args.job_id:
            job = find_job(service, args.job_id)
        else:
            with usage_errors("%qrt_job"):
                newest = list(service.jobs(limit=1))
            if not newest:
                raise UsageError("there are no jobs yet; %qrt_run hello-world starts one")
            job = newest[0]
        if args.out:
            self.shell.user_ns[args.out] = job
        self._show_job(job, widget=args.widget, wait=args.wait)

    @magic_arguments()
    @argument("job_ids", nargs="+", metavar="JOB_ID", help="the jobs to cancel")
    @line_magic
    def qrt_cancel(self, line):
        """Cancel queued or running jobs."""
        args = self._parse(self.qrt_cancel, line)
        service = self._service()
        for job_id in args.job_ids:
            job = find_job(service, job_id)
            errors = runtime_exceptions()
            with usage_errors(f"job {job_id}"):
                try:
                    job.cancel()
                except errors.RuntimeInvalidStateError:
                    raise UsageError(
                        f"job {job_id} is {status_of(job)} already; only queued or running jobs can be cancelled"
                    ) from None
            print(f"Cancelled job {job_id}")
