"""Whether a step costs the same on its 50th step as on its first: the figures those targets are checked against.

Usage:
    .venv/bin/python bench/steps.py [--database sqlite|postgresql|both] [--complaints 20] [--steps 50]
                                    [--closed 20]

For each database (default: SQLite, then PostgreSQL) it builds a fresh database with the service's own
commands (`flask db upgrade`, `flask processes deploy` of every diagram in processes/, `flask users
create/token`), starts gunicorn with 2 workers on a free loopback port and drives the real product-quality
diagram (processes/quality.bpmn) over HTTP, with one sequential client:

1. A long case, --complaints times: intake, then --steps steps (default 50): acknowledge, the duty
   manager's assessment, the purchase check and the quality assessment, then a customer who turns down
   offer after offer (the duty manager proposes a refund, the customer's answer arrives as the BPMN
   message `customer_response` with `accepted: false`, the duty manager chooses to revise the offer, and the
   diagram loops back through its call activities to the remedy). The stored workflow state is read with SQL
   (`length(state)`, averaged over the complaints) at intake, after step 18 and after the last step; each
   step's latency (the request that completes the task or delivers the message) is kept by step number, and
   the p50 of step 1 and of the last step are printed with their ratio. The cases run staggered (a new one
   starts every few rounds, each round takes the next step of every case under way), so early and late steps
   are timed side by side throughout the run.
2. Completions on the real diagram: --closed complaints (default 20) driven from intake to their end
   (a product defect taken to the supplier, a refund offered and accepted, paid by finance, the
   customer called back, both reviews), and the p50 / p95 of every task completion among their steps.

A few complaints are driven first and not counted, so that both gunicorn workers have compiled the
diagrams. Targets are printed next to the figures (state < 30 KB after 50 steps; step 50's p50 within
1.5x step 1's; a completion's p50 < 10 ms on SQLite). The script only prints: it exits 0 when it
measured, whether or not the targets are met, and non-zero when it could not measure. PostgreSQL runs
in a database of its own (`bench_steps`, created on first use through the --postgres-url database, its
schema dropped and recreated on every run); SQLite in a file under a temporary directory. Timings taken
while other work runs on the machine are noisy: compare runs taken under the same load.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import (
    BenchError,
    Client,
    Database,
    Report,
    flask,
    gunicorn,
    percentile,
    postgresql_database,
    print_targets,
    progress,
    scalar,
)

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DATABASE = "bench_steps"
USER, PASSWORD = "bench", "bench-password-1"
ROLES = ("service_desk", "duty_manager", "quality_control", "purchasing", "finance")
WARM_UP = 3
SIZE_AT = 18  # the step after which the state size is read in the middle of the case

TARGET_STATE_BYTES = 30_000
TARGET_RATIO = 1.5
TARGET_COMPLETION_P50_MS = 10.0

INTAKE = {
    "type": "quality", "channel": "desk",
    "customer": {"surname": "王", "phone": "13812345678", "consent_to_contact": True},
    "occurred_at": "2026-11-20T10:30:00+08:00", "location": "一楼食品区", "description": "买的牛奶过期了",
    "demand": "退款并赔偿", "amount_claimed": 58.5, "receipt_number": "R-20261120-0042",
}


@dataclass(frozen=True)
class Step:
    """Complete the open task called `task` with `data`, or (task None) deliver the message `message`."""

    task: str | None
    data: dict[str, Any]
    message: str | None = None


def task(name: str, data: dict[str, Any]) -> Step:
    return Step(name, data)


def message(name: str, payload: dict[str, Any]) -> Step:
    return Step(None, payload, name)


ACKNOWLEDGE = task("安抚顾客并告知处理流程", {"next_steps_explained": True, "customer_calm": True})
SITUATION = task("了解现场情况并指定跟踪专人", {"dispute_may_turn_violent": False, "customer_unwell": False,
                                    "situation_note": "", "case_tracker": "赵主管"})
VERIFY = task("核实购买凭证", {"sold_here": True, "receipt_number": "R-20261120-0042", "receipt_date": "2026-11-20",
                         "account_credible": True})


def assess(issue: str) -> Step:
    return task("品控部质量鉴定", {"product": "鲜牛奶 1L", "issue": issue, "facts_confirmed": True,
                            "department_agrees": True, "finding": "该批次已过保质期", "defect_cause": "供应商标签错误",
                            "injury_claim": False})


def offer(amount: float) -> Step:
    return task("提出处理方案", {"remedy": "refund", "amount": amount, "one_time_settlement": True,
                           "explanation": "处理方案说明"})


def answer(accepted: bool) -> Step:
    return message("customer_response", {"accepted": accepted})


REVISE = task("协商未果处理", {"next_step": "revise", "no_agreement_reason": "顾客要求的金额超出公司标准"})


SUPPLIER = task("采购部与供应商对接", {"supplier": "光明乳业", "supplier_cause": "批次标签印错保质期",
                              "supplier_action": "return_and_claim"})
PAY = task("财务付款", {"voucher_number": "V-1", "claim_form": "CF-1"})
EXECUTE = task("执行处理方案", {"owner": "李主管", "done": True, "customer_updated": True})
FEEDBACK = task("回访顾客", {"reached_customer": True, "satisfied": True, "satisfaction": "satisfied"})
REVIEWED = {"handled_properly": True, "lessons": "加强培训"}
REVIEW = [task("受理部门复盘", REVIEWED), task("被投诉部门复盘", REVIEWED)]

CLOSED_PATH = [ACKNOWLEDGE, SITUATION, VERIFY, assess("product_defect"), SUPPLIER, offer(58.5), answer(True),
               PAY, EXECUTE, FEEDBACK, *REVIEW]


def long_path(steps: int) -> list[Step]:
    """The first `steps` steps of a case whose customer turns down every offer."""
    path = [ACKNOWLEDGE, SITUATION, VERIFY, assess("service")]
    while len(path) < steps:
        path += [offer(100), answer(False), REVISE]
    return path[:steps]


# ---------------------------------------------------------------------------------------------- driving


class Case:
    """One complaint driven step by step through HTTP by one client."""

    def __init__(self, client: Client):
        self.client = client
        answer_, self.intake_seconds = client.call("POST", "/api/v1/complaints", INTAKE, expect=201)
        self.id = answer_["id"]
        self.open_tasks = answer_["open_tasks"]
        self.status = answer_["status"]

    def take(self, step: Step) -> float:
        """Take one step; return its latency in seconds."""
        if step.message is not None:
            answer_, elapsed = self.client.call("POST", f"/api/v1/complaints/{self.id}/messages/{step.message}",
                                                step.data)
            self.status = answer_["status"]
        else:
            matching = [t for t in self.open_tasks if t["name"] == step.task]
            if len(matching) != 1:
                raise BenchError(f"Complaint {self.id}: expected one open task '{step.task}', found "
                                 f"{[t['name'] for t in self.open_tasks]}.")
            answer_, elapsed = self.client.call("POST", f"/api/v1/tasks/{matching[0]['id']}/complete", step.data)
            self.status = answer_["complaint"]["status"]
        self.open_tasks = answer_["open_tasks"]
        return elapsed


def state_bytes(database: Database, complaint_ids: list[int]) -> float:
    ids = ", ".join(str(int(i)) for i in complaint_ids)
    return float(scalar(database, f"SELECT avg(length(state)) FROM complaint WHERE id IN ({ids})"))  # noqa: S608


@dataclass
class LongCases:
    steps: int
    state_at_intake: float
    state_in_the_middle: float
    state_at_the_end: float
    latencies: dict[int, list[float]]  # step number -> seconds, one per complaint


def measure_long_cases(database: Database, port: int, token: str, complaints: int, steps: int) -> LongCases:
    """Drive the cases in a staggered pipeline: a new case starts every few rounds and each round takes the
    next step of every case under way, so that early and late step numbers are timed side by side across
    the whole run rather than early ones first (a machine whose load drifts would bias the ratio)."""
    client = Client(port, token)
    try:
        path = long_path(steps)
        start_every = max(1, steps // complaints)
        latencies: dict[int, list[float]] = {n: [] for n in range(1, steps + 1)}
        at_intake, in_the_middle, finished = [], [], []
        under_way: list[list[Any]] = []  # [case, steps taken]
        started = rounds = 0
        while started < complaints or under_way:
            if started < complaints and rounds % start_every == 0:
                case = Case(client)
                at_intake.append(state_bytes(database, [case.id]))
                under_way.append([case, 0])
                started += 1
            for item in list(under_way):
                case, taken = item
                latencies[taken + 1].append(case.take(path[taken]))
                item[1] = taken = taken + 1
                if taken == SIZE_AT:
                    in_the_middle.append(state_bytes(database, [case.id]))
                if taken == steps:
                    under_way.remove(item)
                    finished.append(case.id)
            rounds += 1
        return LongCases(steps, sum(at_intake) / len(at_intake), sum(in_the_middle) / len(in_the_middle),
                         state_bytes(database, finished), latencies)
    finally:
        client.close()


def measure_completions(port: int, token: str, complaints: int) -> list[float]:
    """Latencies of every task completion (messages left out) of complaints driven to their end."""
    client = Client(port, token)
    try:
        latencies: list[float] = []
        for _ in range(complaints):
            case = Case(client)
            for step in CLOSED_PATH:
                elapsed = case.take(step)
                if step.message is None:
                    latencies.append(elapsed)
            if case.status != "closed":
                raise BenchError(f"Complaint {case.id} is {case.status} at the end of its path, not closed.")
        return latencies
    finally:
        client.close()


def warm_up(port: int, token: str) -> None:
    measure_completions(port, token, WARM_UP)


# ---------------------------------------------------------------------------------------------- databases


def set_up_service(database: Database) -> str:
    """Migrate, deploy every diagram, create the bench user with the lanes the path needs; return its token."""
    flask(database, "db", "upgrade")
    deployed = flask(database, "processes", "deploy")
    if "quality" not in deployed.split():
        raise BenchError(f"Deploying processes/ printed {deployed!r}; expected the quality process among them.")
    roles = [arg for role in ROLES for arg in ("--role", role)]
    flask(database, "users", "create", USER, *roles, "--password", PASSWORD)
    return flask(database, "users", "token", USER).strip().splitlines()[-1]


# ---------------------------------------------------------------------------------------------- report


def ms(seconds: float) -> float:
    return seconds * 1000


def kb(size: float) -> str:
    return f"{size / 1000:.1f} KB"


def report(name: str, options: Options, long_cases: LongCases, completions: list[float]) -> Report:
    first, last = long_cases.latencies[1], long_cases.latencies[long_cases.steps]
    first_p50, last_p50 = ms(percentile(first, 50)), ms(percentile(last, 50))
    ratio = last_p50 / first_p50
    completion_p50 = ms(percentile(completions, 50))
    figures = {
        "state_bytes_at_intake": long_cases.state_at_intake,
        f"state_bytes_after_{SIZE_AT}_steps": long_cases.state_in_the_middle,
        f"state_bytes_after_{long_cases.steps}_steps": long_cases.state_at_the_end,
        "step_1_p50_ms": first_p50, f"step_{long_cases.steps}_p50_ms": last_p50, "step_ratio": ratio,
        "completion_p50_ms": completion_p50, "completion_p95_ms": ms(percentile(completions, 95)),
    }
    result = Report(f"{name}: gunicorn -w {options.workers}, HTTP on 127.0.0.1, one client", figures=figures)
    add = result.add
    add(f"1. quality complaints turning down every offer: {options.complaints} complaints x {long_cases.steps} "
        "steps", "")
    add("   stored state at intake", kb(long_cases.state_at_intake))
    add(f"   stored state after {SIZE_AT} steps", kb(long_cases.state_in_the_middle))
    add(f"   stored state after {long_cases.steps} steps", kb(long_cases.state_at_the_end),
        f"< {TARGET_STATE_BYTES / 1000:.0f} KB", long_cases.state_at_the_end < TARGET_STATE_BYTES)
    add("   step 1 p50", f"{first_p50:.1f} ms")
    add(f"   step {long_cases.steps} p50", f"{last_p50:.1f} ms")
    add(f"   step {long_cases.steps} p50 / step 1 p50", f"{ratio:.2f}", f"<= {TARGET_RATIO}", ratio <= TARGET_RATIO)
    add(f"2. task completions on the quality diagram: {options.closed} complaints to their end, "
        f"{len(completions)} completions", "")
    target = f"< {TARGET_COMPLETION_P50_MS:.0f} ms (SQLite)" if name == "sqlite" else ""
    add("   completion p50", f"{completion_p50:.1f} ms", target,
        completion_p50 < TARGET_COMPLETION_P50_MS if name == "sqlite" else None)
    add("   completion p95", f"{figures['completion_p95_ms']:.1f} ms")
    return result


# ---------------------------------------------------------------------------------------------- main


@dataclass
class Options:
    complaints: int
    steps: int
    closed: int
    workers: int
    postgres_url: str


def bench_database(name: str, options: Options, workdir: Path) -> Report:
    progress(f"{name}: preparing a fresh database")
    if name == "sqlite":
        database = Database("sqlite", f"sqlite:///{workdir / 'steps.db'}")
    else:
        database = postgresql_database(options.postgres_url, BENCH_DATABASE)
    token = set_up_service(database)
    log_path = workdir / f"gunicorn-{name}.log"
    with gunicorn(database, options.workers, log_path) as port:
        try:
            warm_up(port, token)
            progress(f"{name}: {options.complaints} complaints x {options.steps} steps")
            long_cases = measure_long_cases(database, port, token, options.complaints, options.steps)
            progress(f"{name}: {options.closed} complaints to their end")
            completions = measure_completions(port, token, options.closed)
        except BenchError as exc:
            raise BenchError(f"{exc}\n--- the end of gunicorn's log ---\n{log_path.read_text()[-3000:]}") from exc
    return report(name, options, long_cases, completions)


def parse_args(argv: Sequence[str] | None) -> tuple[list[str], Options]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--complaints", type=int, default=20, help="long cases driven (default 20)")
    parser.add_argument("--steps", type=int, default=50, help="steps of each long case (default 50)")
    parser.add_argument("--closed", type=int, default=20, help="complaints driven to their end (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                        help=f"a PostgreSQL database from which the '{BENCH_DATABASE}' database is created")
    args = parser.parse_args(argv)
    if args.complaints < 1 or args.closed < 1 or args.steps <= SIZE_AT:
        parser.error(f"--complaints and --closed must be positive, --steps more than {SIZE_AT}")
    names = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    return names, Options(args.complaints, args.steps, args.closed, args.workers, args.postgres_url)


def _raise_on_sigterm(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # so the finally blocks stop gunicorn


def main(argv: Sequence[str] | None = None) -> int:
    names, options = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    print(f"bench/steps: {', '.join(names)}; {options.complaints} complaints x {options.steps} steps, "
          f"{options.closed} complaints to their end; Python {platform.python_version()}, {os.cpu_count()} CPUs",
          flush=True)
    reports = []
    try:
        with tempfile.TemporaryDirectory(prefix="complaints-steps-") as workdir:
            for name in names:
                result = bench_database(name, options, Path(workdir))
                result.print()
                reports.append(result)
    except BenchError as exc:
        print(f"\nbench/steps failed: {exc}", file=sys.stderr)
        return 1
    print_targets(reports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
