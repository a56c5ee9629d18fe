"""Demo data: departments, staff, sellers, shipments and tickets in every state. Idempotent."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from ..extensions import db
from ..models import Department, Seller, Shipment, Ticket, User
from . import canned, resolution_reasons
from . import tickets as ticket_service
from .runtime import Runtime

DEPARTMENTS = [
    ("delivery", "Pickup & delivery", "Lấy và giao hàng"),
    ("returns", "Orders & returns", "Đơn hàng và hoàn hàng"),
    ("finance", "Finance", "Tài chính"),
    ("apps", "Seller apps", "Ứng dụng người bán"),
    ("triage", "Triage", "Phân loại"),
]
DEMO_PASSWORD = "demo-password-2026"
SHOP_NAMES = ["Shop Hoa Mai", "Cửa hàng Bình An", "Tiệm Sách Nhỏ", "Gốm Sứ Bát Tràng", "Thời Trang Lan Anh",
              "Mỹ Phẩm Thu Hà", "Đồ Gỗ Phú Quý", "Nông Sản Sạch Đà Lạt", "Điện Máy Minh Khoa", "Baby Shop Bống",
              "Trà Thái Nguyên", "Phụ Kiện Phone 247", "Giày Da Việt", "Bánh Kẹo Tết", "Hải Sản Cô Tô",
              "Văn Phòng Phẩm Hồng", "Cà Phê Buôn Ma", "Saigon Sneakers", "Hanoi Handmade", "Green Garden VN"]
SHIPMENT_STATUSES = [("picked_up", "Đã lấy hàng tại kho người bán"),
                     ("in_transit", "Đang trung chuyển tại Hub Bắc Ninh"),
                     ("out_for_delivery", "Đang giao hàng"), ("delivered", "Giao hàng thành công"),
                     ("delivery_failed", "Giao không thành công: khách hẹn lại"),
                     ("returning", "Đang hoàn về người bán")]
SAMPLE_TICKETS = [
    ("delivery_delay", "Đơn hàng chưa được lấy hàng từ hôm qua, shipper không đến."),
    ("order_return_status", "Đơn hoàn hàng (RTS) chưa về kho sau 7 ngày."),
    ("finance", "Chưa nhận được tiền đối soát COD tuần trước."),
    ("app_bug", "App bị lỗi không đăng nhập được trên Android."),
    ("other", "I want to change the pickup address of my shop."),
    ("other", "Xin hoàn tiền phí vận chuyển bị tính sai."),
]


CANNED = [
    ("Đã nhận yêu cầu", "Chào {seller_name}, chúng tôi đã nhận yêu cầu {reference} và đang kiểm tra. "
                         "Chúng tôi sẽ cập nhật cho bạn sớm nhất."),
    ("Cần thêm thông tin", "Chào {seller_name}, để xử lý {reference} vui lòng gửi thêm ảnh chụp màn hình "
                           "hoặc mã vận đơn liên quan."),
    ("Đã xử lý xong", "Chào {seller_name}, yêu cầu {reference} đã được xử lý xong. Cảm ơn bạn đã kiên nhẫn!"),
]


# the resolution reason a demo ticket of each category is resolved for
DEMO_REASONS = {"delivery_delay": "carrier_delay", "order_return_status": "wrong_address", "finance": "cod_timing",
                "app_bug": "app_defect"}


def load_demo(now: dt.datetime, rt: Runtime) -> dict[str, int]:
    """Create whatever demo rows are missing; returns counts of what was added."""
    added = {"departments": 0, "users": 0, "sellers": 0, "shipments": 0, "tickets": 0}
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    for code, name, name_vi in DEPARTMENTS:
        if code not in departments:
            departments[code] = Department(code=code, name=name, name_vi=name_vi)
            db.session.add(departments[code])
            added["departments"] += 1
    db.session.flush()
    for department in departments.values():
        for title, body in CANNED:
            canned.ensure(department, title, body)
    resolution_reasons.ensure_seeded()  # a database made without the migrations' seed gets the list too
    emails = set(db.session.scalars(select(User.email)))
    password_hash = generate_password_hash(DEMO_PASSWORD)
    for email, name, role, codes in demo_staff():
        if email not in emails:
            db.session.add(User(email=email, name=name, role=role, password_hash=password_hash,
                                departments=[departments[c] for c in codes]))
            added["users"] += 1
    codes = set(db.session.scalars(select(Seller.code)))
    for i, name in enumerate(SHOP_NAMES, start=1):
        code = f"DEMO-{i:03d}"
        if code not in codes:
            db.session.add(Seller(code=code, name=name, phone=f"09{i:08d}", locale="vi" if i % 4 else "en"))
            added["sellers"] += 1
    known = set(db.session.scalars(select(Shipment.tracking_number).where(Shipment.tracking_number.like("NVDEMO%"))))
    rng = random.Random(2026)
    for i in range(300):
        number = f"NVDEMO{i:05d}"
        if number not in known:
            status, event = rng.choice(SHIPMENT_STATUSES)
            db.session.add(Shipment(tracking_number=number, status=status, last_event=event,
                                    event_at=now - dt.timedelta(minutes=rng.randint(5, 4000))))
            added["shipments"] += 1
    db.session.commit()
    if not db.session.scalar(select(func.count(Ticket.id))):
        added["tickets"] = _demo_tickets(now, rt, rng)
    return added


def demo_staff() -> list[tuple[str, str, str, list[str]]]:
    staff = [("admin@demo.test", "Admin Quản Trị", "admin", []),
             ("manager@demo.test", "Manager Trần Thu", "manager", [])]
    for code, _name, _vi in DEPARTMENTS[:4]:
        staff.append((f"lead.{code}@demo.test", f"Lead {code.title()}", "lead", [code]))
        staff += [(f"agent{n}.{code}@demo.test", f"Agent {n} {code.title()}", "agent", [code]) for n in (1, 2)]
    staff.append(("lead.triage@demo.test", "Lead Triage", "lead", ["triage"]))
    return staff


def _demo_tickets(now: dt.datetime, rt: Runtime, rng: random.Random) -> int:
    sellers = list(db.session.scalars(select(Seller).where(Seller.code.like("DEMO-%")).order_by(Seller.code)))
    count = 0
    for i, seller in enumerate(sellers[:12]):
        for j, (category, description) in enumerate(SAMPLE_TICKETS[i % 3: i % 3 + 3]):
            numbers = (f"NVDEMO{(i * 7 + j) % 300:05d}",) if category != "app_bug" else ()
            created = now - dt.timedelta(minutes=rng.randint(10, 60 * 30))
            ticket, _ = ticket_service.create_ticket(
                seller, ticket_service.NewTicket(category=category, description=description,
                                                 tracking_numbers=numbers), now=created, rt=rt)
            count += 1
            _advance(ticket, i + j, created, rt)
    return count


def _advance(ticket: Ticket, k: int, created: dt.datetime, rt: Runtime) -> None:
    """Move some demo tickets along their life so every state is present."""
    from . import staff_actions

    staff_user = ticket.assignee or db.session.scalar(select(User).where(User.role == "manager"))
    if k % 5 == 1:
        staff_actions.reply(ticket, staff_user, "Chúng tôi đã kiểm tra và đang xử lý, sẽ cập nhật sớm.", False,
                            now=created + dt.timedelta(minutes=45))
    elif k % 5 == 2:
        staff_actions.reply(ticket, staff_user, "Vui lòng gửi thêm ảnh chụp màn hình.", False,
                            now=created + dt.timedelta(minutes=90))
        staff_actions.change_status(ticket, staff_user, "waiting_on_seller", now=created + dt.timedelta(minutes=91))
    elif k % 5 == 3:
        staff_actions.reply(ticket, staff_user, "Đã xử lý xong, cảm ơn bạn.", False,
                            now=created + dt.timedelta(minutes=30))
        staff_actions.change_status(ticket, staff_user, "resolved", now=created + dt.timedelta(minutes=31),
                                    reason=DEMO_REASONS.get(ticket.category, "other"))
