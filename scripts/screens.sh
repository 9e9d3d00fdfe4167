#!/usr/bin/env bash
# 截图: every tablet screen, landscape 1280×800 and portrait 800×1280, with the demo city, into
# docs/screens/tablet/{landscape,portrait}/. Builds the demo city in a scratch instance, serves it
# on a free port, pairs a tablet as the demo inspector with the most revisits, and taps through
# the app under Xvfb (python -m mobile.ui.screenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh

apt_ensure "${RUNTIME_APT_PACKAGES[@]}" xvfb xauth libgl1 libgl1-mesa-dri libegl1 libegl-mesa0 libmtdev1
venv_ensure
# The app's own Chinese font (a subset of the system's CJK font; see mobile/ui/font_subset.py).
[ -f mobile/ui/assets/XunchaCJK.ttf ] || .venv/bin/python -m mobile.ui.font_subset >/dev/null

out=${1:-docs/screens/tablet}
demo_server_start
url=$demo_url

# The field inspector with the most pending revisits, so the revisit screen has a real one.
inspector=$(.venv/bin/python - <<'PY'
import sqlalchemy as sa

from server import create_app
from server.domain.models import Revisit, RevisitStatus, Role, User
from server.extensions import db

with create_app().app_context():
    pending = sa.func.count(Revisit.id)
    row = db.session.execute(
        sa.select(User.username, pending).outerjoin(
            Revisit, sa.and_(Revisit.inspector_id == User.id, Revisit.status == RevisitStatus.PENDING))
        .where(User.role == Role.INSPECTOR, User.active).group_by(User.username)
        .order_by(pending.desc(), User.username).limit(1)).first()
    print(row[0])
PY
)
password=$(.venv/bin/python -c 'from server.config import DEMO_PASSWORD; print(DEMO_PASSWORD)')
say "tablet paired as $inspector against $url"

rm -rf "$out"
xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m mobile.ui.screenshots \
    --server "$url" --username "$inspector" --password "$password" --out "$out"
xvfb-run -a -s "-screen 0 800x1280x24" .venv/bin/python -m mobile.ui.screenshots \
    --server "$url" --username "$inspector" --password "$password" --out "$out" --portrait
say "screenshots in $out/landscape and $out/portrait"

# The supervisors' web pages (headless Chromium) into docs/screens/web/.
scripts/screens_web.sh
