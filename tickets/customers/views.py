"""The customers pages (leaders, admins, customer writers): a scoped, searchable list and a customer's
detail with its MRR history and the teams that served it. Out of scope is 404, as if not there."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.http import urlencode

from accounts import scoping

from .models import Customer
from .selectors import customer_get, customer_mrr_history, customer_served_by, customers_list

CUSTOMERS_PER_PAGE = 50
STATUSES = {"active": True, "churned": False}


@login_required
def customer_list(request):
    if not scoping.sees_customer_pages(request.user):
        raise Http404
    search = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    segment = request.GET.get("segment", "").replace("\x00", "").strip()[:100]
    status = request.GET.get("status", "")
    status = status if status in STATUSES else ""
    customers = customers_list(user=request.user, search=search, segment=segment, active=STATUSES.get(status))
    page = Paginator(customers, CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))
    segments = (
        scoping.customers_visible(request.user)
        .exclude(segment="")
        .order_by("segment")
        .values_list("segment", flat=True)
    )
    query = urlencode([(k, v) for k, v in (("q", search), ("segment", segment), ("status", status)) if v])
    context = {
        "page": page,
        "search": search,
        "segment": segment,
        "status": status,
        "segments": list(dict.fromkeys(segments)),
        "query": query,
        "sees_revenue": scoping.sees_revenue(request.user),
        "sees_all": scoping.manages_customers(request.user),
    }
    return render(request, "customers/customer_list.html", context)


@login_required
def customer_detail(request, external_id: str):
    if not scoping.sees_customer_pages(request.user):
        raise Http404
    try:
        customer = customer_get(user=request.user, external_id=external_id)
    except Customer.DoesNotExist:
        raise Http404 from None
    history = list(customer_mrr_history(customer=customer))
    rows = []
    previous = None
    for change in history:
        rows.append({"change": change, "delta": None if previous is None else change.mrr - previous})
        previous = change.mrr
    context = {
        "customer": customer,
        "history": list(reversed(rows)),
        "served_by": customer_served_by(user=request.user, customer=customer),
        "sees_revenue": scoping.sees_revenue(request.user),
    }
    return render(request, "customers/customer_detail.html", context)
