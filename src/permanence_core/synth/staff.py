"""The synthetic council's workforce: social workers in teams, managers, IROs, family finders."""

from __future__ import annotations

import random

import attrs

from permanence_core.model import WorkerRole
from permanence_core.synth.dice import Dice
from permanence_core.synth.identity import person

#: Roughly one social worker per 16 looked-after children and six workers per team manager.
_CHILDREN_PER_WORKER = 16
_WORKERS_PER_TEAM = 6


@attrs.frozen(kw_only=True)
class Worker:
    """A member of staff as the case system knows them."""

    worker_id: str
    name: str
    role: WorkerRole
    team: str


@attrs.frozen(kw_only=True)
class Allocation:
    """The staff around one family's children."""

    social_worker: Worker
    next_social_worker: Worker
    team_manager: Worker
    service_manager: Worker
    iro: Worker
    family_finder: Worker

    def by_role(self, role: str) -> Worker:
        """The worker who owns actions for ``role`` (``social_worker``, ``team_manager``, ``family_finder``)."""
        worker: Worker = getattr(self, role)
        return worker


class Staff:
    """A fixed workforce for a cohort of ``children``, the same for every run with ``seed``."""

    def __init__(self, seed: int, children: int) -> None:
        rng = random.Random(f"{seed}:staff")
        workers = max(4, children // _CHILDREN_PER_WORKER)
        teams = [f"Children in Care Team {n + 1}" for n in range(max(1, workers // _WORKERS_PER_TEAM))]
        self.social_workers = [
            Worker(worker_id=f"SW{n:05d}", name=person(rng), role=WorkerRole.SOCIAL_WORKER, team=teams[n % len(teams)])
            for n in range(workers)
        ]
        self.team_managers = {
            team: Worker(worker_id=f"TM{n:04d}", name=person(rng), role=WorkerRole.TEAM_MANAGER, team=team)
            for n, team in enumerate(teams)
        }
        self.service_managers = [
            Worker(worker_id=f"SM{n:03d}", name=person(rng), role=WorkerRole.SERVICE_MANAGER, team="Permanence Service")
            for n in range(max(1, len(teams) // 4))
        ]
        self.iros = [
            Worker(worker_id=f"IRO{n:04d}", name=person(rng), role=WorkerRole.IRO, team="Independent Reviewing Service")
            for n in range(max(2, children // 60))
        ]
        self.family_finders = [
            Worker(
                worker_id=f"FF{n:04d}", name=person(rng), role=WorkerRole.FAMILY_FINDER, team="Regional Adoption Agency"
            )
            for n in range(max(2, children // 250))
        ]

    def allocate(self, dice: Dice) -> Allocation:
        """Staff for one family."""
        worker = dice.choice(self.social_workers)
        return Allocation(
            social_worker=worker,
            next_social_worker=dice.choice(self.social_workers),
            team_manager=self.team_managers[worker.team],
            service_manager=dice.choice(self.service_managers),
            iro=dice.choice(self.iros),
            family_finder=dice.choice(self.family_finders),
        )
