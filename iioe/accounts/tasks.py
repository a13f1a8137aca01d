import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from iioe.accounts.mail import mail_deliver_now
from iioe.accounts.models import OutgoingMail

logger = logging.getLogger(__name__)

# Minutes to wait before each new attempt at a mail the server refused.
RETRY_DELAYS = (1, 5, 15, 60, 240)


@task()
def mail_deliver(mail_id: int) -> None:
    """Send one stored mail; on failure, try again later a few times."""
    try:
        mail_deliver_now(mail_id=mail_id)
    except Exception:
        _schedule_retry(mail_id)
        raise


def _schedule_retry(mail_id: int) -> None:
    attempts = (
        OutgoingMail.objects.filter(pk=mail_id)
        .values_list("attempts", flat=True)
        .first()
    )
    if attempts is None:
        return
    if attempts > len(RETRY_DELAYS):
        # Hours later the message (often a code long expired) is worthless;
        # deleting it keeps its address and content out of the database.
        OutgoingMail.objects.filter(pk=mail_id).delete()
        logger.error("Mail %s given up after %s attempts", mail_id, attempts)
        return
    if not mail_deliver.get_backend().supports_defer:
        return
    run_after = timezone.now() + timedelta(minutes=RETRY_DELAYS[attempts - 1])
    mail_deliver.using(run_after=run_after).enqueue(mail_id)
