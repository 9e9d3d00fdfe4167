"""Tell the inspector about revisits due: an Android notification where there is one; on a
desktop the in-app banner is all (the app is in front anyway)."""

from __future__ import annotations

import logging

from kivy.utils import platform

log = logging.getLogger(__name__)


def notify(title: str, message: str) -> bool:
    """Post a system notification; False when the platform has none (nothing else happens)."""
    if platform != "android":
        return False
    try:  # pragma: no cover - device only
        from jnius import autoclass  # type: ignore[import-not-found]

        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        context = autoclass("android.content.Context")
        builder_class = autoclass("android.app.Notification$Builder")
        channel_class = autoclass("android.app.NotificationChannel")
        manager = activity.getSystemService(context.NOTIFICATION_SERVICE)
        manager.createNotificationChannel(channel_class("revisits", "回头看", 3))
        builder = builder_class(activity, "revisits")
        builder.setContentTitle(title)
        builder.setContentText(message)
        builder.setSmallIcon(activity.getApplicationInfo().icon)
        manager.notify(1, builder.build())
        return True
    except Exception:  # noqa: BLE001 - a notification must never take the app down
        log.exception("notification failed")
        return False
