"""Newsletter pages. Views validate, call a service or selector, and render; who may do what is
decided in notifications/permissions.py.

The public pages (subscribe, confirm, unsubscribe) need no login. Unsubscribing needs no cookie
or CSRF token either, since mail clients post the RFC 8058 one-click request themselves: the
signed token is the proof, and nothing changes on GET, which mail scanners follow.
"""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from crm.paging import page_of
from notifications import mail, retention, selectors, services
from notifications.forms import (
    CampaignForm,
    MailingListForm,
    ScheduleForm,
    SegmentForm,
    SubscribeForm,
    SubscriptionAddForm,
    TestSendForm,
)
from notifications.models import Campaign, Delivery, MailingList, Segment, Subscription
from notifications.permissions import (
    campaign_senders_required,
    can_send_campaign,
    newsletter_staff_required,
)

PAGE_SIZE = 50


# Campaigns ------------------------------------------------------------------------------------


@newsletter_staff_required
def campaign_list(request):
    campaigns = selectors.campaign_list()
    return render(
        request, "notifications/campaign_list.html", {"page": page_of(request, campaigns, PAGE_SIZE)}
    )


@newsletter_staff_required
def campaign_edit(request, pk=None):
    campaign = get_object_or_404(Campaign, pk=pk) if pk else Campaign()
    if pk and not campaign.is_editable:
        messages.error(request, _("Only a draft can be changed. This campaign has been scheduled or sent."))
        return redirect("campaign_detail", pk=campaign.pk)
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_save(form=form, by=request.user)
        except services.CampaignError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("campaign_detail", pk=campaign.pk)
    return render(request, "notifications/campaign_form.html", {"form": form, "campaign": campaign})


@newsletter_staff_required
def campaign_detail(request, pk):
    campaign = get_object_or_404(selectors.campaign_list(), pk=pk)
    return render(
        request,
        "notifications/campaign_detail.html",
        {
            "campaign": campaign,
            "progress": selectors.campaign_progress(campaign),
            "held": selectors.stalled_deliveries(campaign).count(),
            "can_send": can_send_campaign(request.user),
            "schedule_form": ScheduleForm(),
            "test_form": TestSendForm(initial={"email": request.user.email}),
            "failures": campaign.deliveries.filter(status=Delivery.Status.FAILED)[:20],
        },
    )


@newsletter_staff_required
def campaign_preview(request, pk, language):
    campaign = get_object_or_404(Campaign, pk=pk)
    if language not in ("ka", "en"):
        raise Http404
    sample = selectors.sample_recipient(campaign)
    fields = mail.merge_fields_for(sample) if sample else mail.MergeFields()
    shown = campaign.language_for(language)
    rendered = mail.render_campaign(campaign, shown)
    return render(
        request,
        "notifications/campaign_preview.html",
        {
            "campaign": campaign,
            "language": shown,
            "asked": language,
            "sample": sample,
            "subject": fields.fill(rendered.subject, html=False),
            "body_html": fields.fill(rendered.html, html=True),
            "body_text": fields.fill(rendered.text, html=False),
        },
    )


@newsletter_staff_required
@never_cache
def campaign_progress(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    progress = selectors.campaign_progress(campaign)
    return JsonResponse(
        {"status": campaign.status, "status_label": campaign.get_status_display(), **progress.as_dict()}
    )


@newsletter_staff_required
@require_POST
def campaign_test(request, pk):
    from notifications.tasks import send_campaign_test

    campaign = get_object_or_404(Campaign, pk=pk)
    form = TestSendForm(request.POST)
    if not form.is_valid() or not campaign.languages:
        messages.error(request, _("Enter an address, and write the newsletter first."))
    else:
        send_campaign_test.apply_async(
            args=[campaign.pk, form.cleaned_data["email"]], **services.queue_options()
        )
        messages.success(
            request, _("The test is on its way to %(email)s.") % {"email": form.cleaned_data["email"]}
        )
    return redirect("campaign_detail", pk=campaign.pk)


@campaign_senders_required
@require_POST
def campaign_schedule(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("scheduled_at", [_("Choose a time.")])))
        return redirect("campaign_detail", pk=campaign.pk)
    return _act(
        request,
        campaign,
        services.campaign_schedule,
        _("Campaign scheduled."),
        at=form.cleaned_data["scheduled_at"],
    )


@campaign_senders_required
@require_POST
def campaign_action(request, pk, action):
    """Send now, unschedule, pause, resume, cancel: each a guarded change of state."""
    campaign = get_object_or_404(Campaign, pk=pk)
    if action == "send":
        return _act(request, campaign, _start, _("Sending has started."))
    actions = {
        "unschedule": (services.campaign_unschedule, _("The campaign is a draft again.")),
        "pause": (services.campaign_pause, _("Sending is paused.")),
        "resume": (services.campaign_resume, _("Sending goes on from where it stopped.")),
        "cancel": (services.campaign_cancel, _("The campaign is cancelled; nothing more will be sent.")),
    }
    if action not in actions:
        raise Http404
    service, done = actions[action]
    return _act(request, campaign, service, done)


def _start(*, campaign):
    return services.campaign_start(campaign_id=campaign.pk)


@campaign_senders_required
@require_POST
def campaign_resolve_held(request, pk):
    campaign = get_object_or_404(Campaign, pk=pk)
    resend = request.POST.get("decision") == "resend"
    count = services.campaign_resolve_held(campaign=campaign, resend=resend)
    messages.success(request, _("%(count)s messages decided.") % {"count": count})
    return redirect("campaign_detail", pk=campaign.pk)


def _act(request, campaign, service, done: str, **kwargs):
    try:
        changed = service(campaign=campaign, **kwargs)
    except services.CampaignError as refused:
        messages.error(request, str(refused))
    else:
        if changed is False:
            messages.error(request, _("Nothing changed: the campaign is not in a state that allows it."))
        else:
            messages.success(request, done)
    return redirect("campaign_detail", pk=campaign.pk)


# Lists and segments ---------------------------------------------------------------------------


@newsletter_staff_required
def mailing_list_list(request):
    return render(request, "notifications/list_list.html", {"lists": selectors.mailing_list_overview()})


@newsletter_staff_required
def mailing_list_edit(request, pk=None):
    mailing_list = get_object_or_404(MailingList, pk=pk) if pk else MailingList()
    form = MailingListForm(request.POST or None, instance=mailing_list)
    if request.method == "POST" and form.is_valid():
        mailing_list = form.save()
        messages.success(request, _("Mailing list saved."))
        return redirect("mailing_list_detail", pk=mailing_list.pk)
    return render(request, "notifications/list_form.html", {"form": form, "mailing_list": mailing_list})


@newsletter_staff_required
def mailing_list_detail(request, pk):
    mailing_list = get_object_or_404(MailingList, pk=pk)
    status = request.GET.get("status") if request.GET.get("status") in Subscription.Status.values else None
    subscriptions = selectors.list_subscriptions(mailing_list, status=status)
    return render(
        request,
        "notifications/list_detail.html",
        {
            "mailing_list": mailing_list,
            "page": page_of(request, subscriptions, PAGE_SIZE),
            "status": status,
            "statuses": Subscription.Status.choices,
            "form": SubscriptionAddForm(),
        },
    )


@newsletter_staff_required
@require_POST
def subscription_add(request, pk):
    mailing_list = get_object_or_404(MailingList, pk=pk)
    form = SubscriptionAddForm(request.POST)
    if form.is_valid():
        try:
            services.subscription_add_by_staff(
                mailing_list=mailing_list,
                contact=form.contact,
                language=form.cleaned_data["language"],
                reason=form.cleaned_data["reason"],
                source=form.cleaned_data["source"],
                by=request.user,
            )
        except services.CampaignError as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Subscribed."))
            return redirect("mailing_list_detail", pk=mailing_list.pk)
    subscriptions = selectors.list_subscriptions(mailing_list)
    return render(
        request,
        "notifications/list_detail.html",
        {
            "mailing_list": mailing_list,
            "page": page_of(request, subscriptions, PAGE_SIZE),
            "statuses": Subscription.Status.choices,
            "form": form,
        },
    )


@newsletter_staff_required
def segment_list(request):
    segments = [(segment, selectors.segment_size(segment)) for segment in Segment.objects.all()]
    return render(request, "notifications/segment_list.html", {"segments": segments})


@newsletter_staff_required
def segment_edit(request, pk=None):
    segment = get_object_or_404(Segment, pk=pk) if pk else Segment(created_by=request.user)
    form = SegmentForm(request.POST or None, instance=segment)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Segment saved."))
        return redirect("segment_list")
    return render(request, "notifications/segment_form.html", {"form": form, "segment": segment})


# Public pages ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def subscribe(request, slug):
    mailing_list = get_object_or_404(MailingList, slug=slug, is_public=True, is_active=True)
    form = SubscribeForm(request.POST or None, initial={"language": translation.get_language()[:2]})
    if request.method == "POST" and form.is_valid():
        if not form.is_robot():
            services.subscription_request(
                mailing_list=mailing_list,
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                language=form.cleaned_data["language"],
            )
        return render(request, "notifications/subscribe_sent.html", {"mailing_list": mailing_list})
    return render(request, "notifications/subscribe.html", {"mailing_list": mailing_list, "form": form})


@require_http_methods(["GET", "POST"])
def subscription_confirm(request, token):
    """A subscription's link, or the return link of an address erased on request (whose
    request is in the link itself, and whose subscription is made only by the POST)."""
    try:
        subscription, returning = _subscription_of(token)
    except signing.SignatureExpired:
        return _link_invalid(request, expired=True)
    except (signing.BadSignature, Subscription.DoesNotExist, MailingList.DoesNotExist, KeyError, TypeError):
        return _link_invalid(request)
    if request.method == "POST":
        if returning is not None:
            subscription = services.subscription_return(request=returning)
        else:
            subscription = services.subscription_confirm(subscription_id=subscription.pk)
        return render(request, "notifications/subscribe_confirmed.html", {"subscription": subscription})
    return render(request, "notifications/subscribe_confirm.html", {"subscription": subscription})


def _subscription_of(token: str):
    """(subscription, None) for a subscription's link; (unsaved subscription, request) for a
    return link."""
    try:
        subscription_id = mail.parse_confirmation_token(token)
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        returning = mail.parse_return_token(token)
        return services.return_request_subscription(returning), returning
    return Subscription.objects.select_related("mailing_list").get(pk=subscription_id), None


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """The token alone authorises the POST; a bad token is refused before anything changes."""
    try:
        delivery_id = mail.parse_unsubscribe_token(token)
        delivery = (
            None
            if delivery_id is None
            else Delivery.objects.select_related("campaign", "contact").get(pk=delivery_id)
        )
    except (signing.BadSignature, Delivery.DoesNotExist):
        return _link_invalid(request, unsubscribe=True)
    language = delivery.language if delivery else translation.get_language()
    with translation.override(language):
        context = {"delivery": delivery, "token": token, "lists": _lists_of(delivery)}
        if request.method == "GET":
            return render(request, "notifications/unsubscribe.html", context)
        everything = request.POST.get("scope") == "all"
        if delivery is not None and delivery.email:
            services.unsubscribe(delivery_id=delivery.pk, everything=everything)
        elif delivery is not None:  # its address is no longer kept (retention or erasure)
            retention.unsubscribe_without_address(delivery=delivery, everything=everything)
        return render(request, "notifications/unsubscribed.html", {**context, "everything": everything})


def _lists_of(delivery) -> list:
    return list(delivery.campaign.mailing_lists.all()) if delivery else []


def _link_invalid(request, *, expired: bool = False, unsubscribe: bool = False):
    context = {"expired": expired, "unsubscribe": unsubscribe}
    return render(request, "notifications/link_invalid.html", context, status=400)
