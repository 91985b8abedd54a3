"""Regista's additions for SLA monitoring and alerts, in the conventions of `/v2`:

- `GET|PUT /v2/process-definitions/{processDefinitionKey}/sla`: the SLA targets of a
  definition version (from the model, and set here, which win);
- `GET /v2/sla-breaches` and `POST /v2/sla-breaches/search`: breaches as they happened,
  keyset pages;
- `GET /v2/sla/at-risk?share=0.8`: open deadlines of which that share of the target is used;
- `/v2/alert-subscriptions` (admin): who is told of `sla_breach`, `task_overdue`,
  `incident_raised` and `instance_failed`, by webhook or e-mail; `GET
  /v2/alert-deliveries` (admin): the alert outbox.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from regista.api.problems import ApiError
from regista.api.v2.common import Deployer, Reader, client_of, iso, no_such
from regista.api.v2.directory import Admin
from regista.api.v2.search import Model, PageInfo, SearchResult, decode_cursor, encode_cursor
from regista.runtime import monitoring
from regista.runtime.alerts import KINDS
from regista.store import AlertDelivery, AlertSubscription, SlaBreach

__all__ = ["router"]

router = APIRouter(prefix="/v2", tags=["SLA and alerts"])


class SlaTargetsBody(Model):
    instance: str | None = Field(
        default=None, description="The instance's target, an ISO 8601 duration (PT4H)"
    )
    elements: dict[str, str] = Field(
        default_factory=dict, description="Flow node id -> its steps' target (PT1H)"
    )


class SlaTargetsItem(BaseModel):
    processDefinitionKey: str
    processDefinitionId: str
    instance: str | None = Field(description="The target that applies to the instance")
    elements: dict[str, str] = Field(description="The targets that apply to flow nodes")
    model: dict[str, str] = Field(description="Set in the model (the process id: instance)")
    overrides: dict[str, str] = Field(description="Set through this API; they win")


def _targets_item(found: monitoring.SlaTargets) -> SlaTargetsItem:
    text = monitoring.duration_text
    effective = found.effective
    return SlaTargetsItem(
        processDefinitionKey=found.definition_id,
        processDefinitionId=found.process_id,
        instance=text(effective[found.process_id]) if found.process_id in effective else None,
        elements={k: text(v) for k, v in effective.items() if k != found.process_id},
        model={k: text(v) for k, v in found.model.items()},
        overrides={k: text(v) for k, v in found.overrides.items()},
    )


@router.get(
    "/process-definitions/{processDefinitionKey}/sla",
    response_model=SlaTargetsItem,
    summary="Get the SLA targets of a process definition (Regista)",
)
def get_targets(request: Request, processDefinitionKey: str, principal: Reader) -> SlaTargetsItem:
    return _targets_item(monitoring.targets(client_of(request).shell, processDefinitionKey))


@router.put(
    "/process-definitions/{processDefinitionKey}/sla",
    response_model=SlaTargetsItem,
    summary="Set the SLA targets of a process definition (Regista)",
    description="Replaces the targets set through the API (those of the model stay, and "
    "those given here win over them); instances started or steps entered from now on are "
    "measured against them.",
)
def put_targets(
    request: Request, processDefinitionKey: str, body: SlaTargetsBody, principal: Deployer
) -> SlaTargetsItem:
    found = monitoring.set_targets(
        client_of(request).shell,
        processDefinitionKey,
        instance=body.instance,
        elements=body.elements,
    )
    return _targets_item(found)


class SlaBreachItem(BaseModel):
    slaBreachKey: str
    processInstanceKey: str
    processDefinitionId: str
    processDefinitionKey: str
    elementId: str
    elementInstanceKey: str
    kind: Literal["instance", "element", "task_due"]
    startTime: str | None
    dueTime: str | None
    breachTime: str | None


def _breach_item(b: SlaBreach) -> SlaBreachItem:
    return SlaBreachItem(
        slaBreachKey=b.id,
        processInstanceKey=b.instance_id,
        processDefinitionId=b.process_id,
        processDefinitionKey=b.definition_id,
        elementId=b.element_id,
        elementInstanceKey=b.element_instance_id,
        kind=b.kind,  # type: ignore[arg-type]  # one of the three, written by the runtime
        startTime=iso(b.started_at),
        dueTime=iso(b.due_at),
        breachTime=iso(b.breached_at),
    )


class BreachFilter(Model):
    processInstanceKey: str | None = None
    processDefinitionId: str | None = None


class BreachPage(Model):
    limit: int = Field(default=100, ge=1, le=10_000)
    after: str | None = None


class BreachSearch(Model):
    filter: BreachFilter = Field(default_factory=BreachFilter)
    page: BreachPage = Field(default_factory=BreachPage)


def _keyset(cursor: str | None, field: str) -> tuple[dt.datetime, str] | None:
    if cursor is None:
        return None
    mark = decode_cursor(cursor, field)
    try:
        return dt.datetime.fromisoformat(str(mark[0])), str(mark[1])
    except (IndexError, ValueError):
        raise ApiError(400, f"{field}: the cursor is not one of this list") from None


def _breaches(request: Request, body: BreachSearch) -> SearchResult[SlaBreachItem]:
    rows = monitoring.breaches(
        client_of(request).shell,
        process_id=body.filter.processDefinitionId,
        instance_id=body.filter.processInstanceKey,
        after=_keyset(body.page.after, "page.after"),
        limit=body.page.limit,
    )
    end = encode_cursor([rows[-1].breached_at.isoformat(), rows[-1].id]) if rows else None
    return SearchResult[SlaBreachItem](
        items=[_breach_item(b) for b in rows],
        page=PageInfo(totalItems=len(rows), endCursor=end),
    )


@router.post(
    "/sla-breaches/search",
    response_model=SearchResult[SlaBreachItem],
    summary="Search SLA breaches (Regista)",
    description="Breaches in the order they happened; `page.after` takes the `endCursor` "
    "of the previous page. `totalItems` counts this page.",
)
def search_breaches(
    request: Request, body: BreachSearch, principal: Reader
) -> SearchResult[SlaBreachItem]:
    return _breaches(request, body)


@router.get(
    "/sla-breaches",
    response_model=SearchResult[SlaBreachItem],
    summary="List SLA breaches (Regista)",
)
def list_breaches(
    request: Request,
    principal: Reader,
    processInstanceKey: str | None = None,
    processDefinitionId: str | None = None,
    limit: int = Query(default=100, ge=1, le=10_000),
    after: str | None = None,
) -> SearchResult[SlaBreachItem]:
    body = BreachSearch(
        filter=BreachFilter(
            processInstanceKey=processInstanceKey, processDefinitionId=processDefinitionId
        ),
        page=BreachPage(limit=limit, after=after),
    )
    return _breaches(request, body)


class AtRiskItem(BaseModel):
    processInstanceKey: str
    elementId: str
    elementInstanceKey: str
    kind: str
    startTime: str | None
    dueTime: str | None
    used: float = Field(description="The share of the target used (0.8: 80 %)")


class AtRiskList(BaseModel):
    items: list[AtRiskItem]


@router.get(
    "/sla/at-risk",
    response_model=AtRiskList,
    summary="List SLA deadlines at risk (Regista)",
)
def list_at_risk(
    request: Request,
    principal: Reader,
    share: float = Query(default=0.8, gt=0, le=1, description="0.8: 80 % of the target used"),
    limit: int = Query(default=100, ge=1, le=10_000),
) -> AtRiskList:
    found = monitoring.find_at_risk(client_of(request).shell, share=share, limit=limit)
    return AtRiskList(
        items=[
            AtRiskItem(
                processInstanceKey=r.instance_id,
                elementId=r.element_id,
                elementInstanceKey=r.element_instance_id,
                kind=r.kind,
                startTime=iso(r.started_at),
                dueTime=iso(r.due_at),
                used=r.used,
            )
            for r in found
        ]
    )


class SubscriptionBody(Model):
    eventKind: Literal["sla_breach", "task_overdue", "incident_raised", "instance_failed"]
    channel: Literal["webhook", "email"]
    target: str = Field(min_length=1, description="The webhook URL or the e-mail address")
    secret: str | None = Field(
        default=None, description="The HMAC-SHA256 key of a webhook's signature"
    )


class SubscriptionItem(BaseModel):
    alertSubscriptionKey: str
    eventKind: str
    channel: str
    target: str
    signed: bool = Field(description="Whether webhook bodies are signed (the secret is kept)")
    creationTime: str | None
    createdBy: str | None


def _subscription_item(s: AlertSubscription) -> SubscriptionItem:
    return SubscriptionItem(
        alertSubscriptionKey=s.id,
        eventKind=s.event_kind,
        channel=s.channel,
        target=s.target,
        signed=bool(s.secret),
        creationTime=iso(s.created_at),
        createdBy=s.created_by,
    )


class SubscriptionList(BaseModel):
    items: list[SubscriptionItem]


@router.post(
    "/alert-subscriptions",
    status_code=201,
    response_model=SubscriptionItem,
    summary="Subscribe to alerts (Regista)",
    description=f"Event kinds: {', '.join(KINDS)}.",
)
def add_subscription(
    request: Request, body: SubscriptionBody, principal: Admin
) -> SubscriptionItem:
    found = monitoring.add_subscription(
        client_of(request).shell,
        event_kind=body.eventKind,
        channel=body.channel,
        target=body.target,
        secret=body.secret,
        actor=principal.username,
    )
    return _subscription_item(found)


@router.get(
    "/alert-subscriptions",
    response_model=SubscriptionList,
    summary="List alert subscriptions (Regista)",
)
def list_subscriptions(
    request: Request, principal: Admin, eventKind: str | None = None
) -> SubscriptionList:
    found = monitoring.subscriptions(client_of(request).shell, eventKind)
    return SubscriptionList(items=[_subscription_item(s) for s in found])


@router.delete(
    "/alert-subscriptions/{alertSubscriptionKey}",
    status_code=204,
    response_class=Response,
    summary="Remove an alert subscription (Regista)",
)
def remove_subscription(request: Request, alertSubscriptionKey: str, principal: Admin) -> Response:
    if not monitoring.remove_subscription(client_of(request).shell, alertSubscriptionKey):
        raise no_such("alert subscription", alertSubscriptionKey)
    return Response(status_code=204)


class DeliveryItem(BaseModel):
    alertDeliveryKey: str
    alertSubscriptionKey: str
    eventKind: str
    channel: str
    target: str
    state: Literal["PENDING", "DELIVERED"]
    attempts: int
    nextAttemptTime: str | None
    lastError: str | None
    creationTime: str | None
    deliveryTime: str | None


def _delivery_item(d: AlertDelivery) -> DeliveryItem:
    return DeliveryItem(
        alertDeliveryKey=d.id,
        alertSubscriptionKey=d.subscription_id,
        eventKind=d.event_kind,
        channel=d.channel,
        target=d.target,
        state="DELIVERED" if d.status == "delivered" else "PENDING",
        attempts=d.attempts,
        nextAttemptTime=None if d.status == "delivered" else iso(d.due_at),
        lastError=d.last_error,
        creationTime=iso(d.created_at),
        deliveryTime=iso(d.delivered_at),
    )


@router.get(
    "/alert-deliveries",
    response_model=SearchResult[DeliveryItem],
    summary="List alert deliveries, pending and delivered (Regista)",
)
def list_deliveries(
    request: Request,
    principal: Admin,
    limit: int = Query(default=100, ge=1, le=10_000),
    after: str | None = None,
) -> SearchResult[DeliveryItem]:
    rows = monitoring.deliveries(
        client_of(request).shell, after=_keyset(after, "after"), limit=limit
    )
    end = encode_cursor([rows[-1].created_at.isoformat(), rows[-1].id]) if rows else None
    return SearchResult[DeliveryItem](
        items=[_delivery_item(d) for d in rows],
        page=PageInfo(totalItems=len(rows), endCursor=end),
    )
