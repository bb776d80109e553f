"""Events twice, out of order, for reps who change team: the figures match the ordered replay."""

import random
import uuid

from compensation.service import SERVICE

from .flow import PLAN, deal_won, payment, refund

C = "/api/v1/compensation"


def event_log(svc, reps, teams):
    rnd = random.Random(7)
    log = []
    for n in range(40):
        rep = reps[n % len(reps)]
        # The third rep moves from the first team to the second half way through.
        team = {0: teams[0], 1: teams[1], 2: teams[1] if n >= 20 else teams[0]}[n % 3]
        day = 1 + n % 27
        won = deal_won(
            svc,
            rep,
            team,
            amount=f"{rnd.randint(1, 90)}000.00",
            when=f"2026-03-{day:02d}T09:00:00Z",
        )
        paid = payment(
            svc,
            rep,
            team,
            f"{rnd.randint(1, 60)}000.00",
            f"2026-03-{day:02d}T10:00:00Z",
            won.data["opportunity_id"],
        )
        log += [won, paid]
        if n % 5 == 0:
            log.append(refund(svc, rep, team, paid, "1000.00", f"2026-03-{day:02d}T11:00:00Z"))
        ticket = str(uuid.uuid4())
        log.append(
            svc.event(
                "ticket.closed",
                {
                    "ticket_id": ticket,
                    "customer_id": str(uuid.uuid4()),
                    "customer_owner_id": str(rep.id),
                    "customer_team_id": str(team),
                    "satisfaction": 2,
                    "closed_at": f"2026-03-{day:02d}T12:00:00Z",
                },
            )
        )
        log.append(
            svc.event(
                "ticket.rated",
                {
                    "ticket_id": ticket,
                    "customer_id": str(uuid.uuid4()),
                    "customer_owner_id": str(rep.id),
                    "customer_team_id": str(team),
                    "rating": 1 + n % 5,
                    "channel": "survey",
                    "closed_at": f"2026-03-{day:02d}T12:00:00Z",
                    "rated_at": f"2026-03-{day:02d}T18:00:00Z",
                },
            )
        )
        log.append(
            svc.event(
                "lead.qualified",
                {
                    "lead_id": str(uuid.uuid4()),
                    "name": "王小明",
                    "owner_id": str(rep.id),
                    "team_id": str(team),
                    "qualified_at": f"2026-03-{day:02d}T08:00:00Z",
                },
            )
        )
        log.append(
            svc.event(
                "customer.created",
                {
                    "customer_id": str(uuid.uuid4()),
                    "name": "上海某某科技有限公司",
                    "owner_id": str(rep.id),
                    "team_id": str(team),
                    "created_at": f"2026-03-{day:02d}T08:30:00Z",
                },
            )
        )
    return log


def figures(svc, admin, reps, teams):
    seen = {}
    for rep in reps:
        perf = svc.client.get(
            f"{C}/performance",
            query_string={"owner_id": str(rep.id), "period": "2026-03"},
            headers=admin.headers,
        ).json
        perf.pop("owner_id")
        stmt = svc.client.get(
            f"{C}/statements",
            query_string={"owner_id": str(rep.id), "period": "2026-03"},
            headers=admin.headers,
        ).json
        seen[rep.id] = (perf, stmt["totals"])
    for team in teams:
        seen[team] = svc.client.get(
            f"{C}/performance",
            query_string={"team_id": str(team), "period": "2026-03"},
            headers=admin.headers,
        ).json
    return seen


def test_shuffled_duplicated_replay_equals_the_ordered_one(svc, harness_factory):
    admin = svc.user("admin")
    teams = [uuid.uuid4(), uuid.uuid4()]
    reps = [svc.user(team_id=teams[0]), svc.user(team_id=teams[1]), svc.user(team_id=teams[0])]
    log = event_log(svc, reps, teams)
    other = harness_factory(SERVICE)
    for target in (svc, other):
        assert target.client.post(f"{C}/plans", json=PLAN, headers=admin.headers).status_code == 201
    for event in log:
        svc.deliver(event)
    shuffled = log + random.Random(11).sample(log, len(log) // 2)
    random.Random(3).shuffle(shuffled)
    for event in shuffled:
        other.deliver(event)
    ordered = figures(svc, admin, reps, teams)
    replayed = figures(other, admin, reps, teams)
    assert ordered == replayed
    # And the figures are not trivially empty.
    assert ordered[reps[0].id][0]["deals_won"] > 0 and ordered[teams[1]]["deals_won"] > 0
    # The rep who moved counts in each team for what they did while in it.
    second_team = [n for n in range(40) if n % 3 == 1 or (n % 3 == 2 and n >= 20)]
    assert ordered[teams[1]]["deals_won"] == len(second_team)
    for target in (svc, other):
        closed = target.client.post(f"{C}/periods/2026-03/close", headers=admin.headers)
        assert closed.status_code == 200
    assert figures(svc, admin, reps, teams) == figures(other, admin, reps, teams)
