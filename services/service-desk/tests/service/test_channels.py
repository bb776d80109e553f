"""Service tests of inbound email and the customer's signed ticket page."""

import time
from email.message import EmailMessage

from .helpers import customer_owned_by, move, reply


def mail(subject="打印机卡纸", sender="xiaoming@example.cn", message_id="<m1@example.cn>", **hdr):
    message = EmailMessage()
    message["From"] = f"王小明 <{sender}>"
    message["To"] = "support@crm.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in hdr.items():
        message[name.replace("_", "-")] = value
    message.set_content("又卡纸了")
    return message


def post(svc, user, message):
    raw = message if isinstance(message, bytes) else message.as_bytes()
    return svc.client.post(
        "/api/v1/tickets/inbound-email",
        data=raw,
        headers={**user.headers, "Content-Type": "message/rfc822"},
    )


def known_sender(svc, visible, agent, email="xiaoming@example.cn"):
    customer_id = customer_owned_by(svc, visible, svc.user())
    kept = svc.client.post(
        "/api/v1/tickets/contacts",
        json={"email": email, "customer_id": customer_id, "name": "王小明"},
        headers=agent.headers,
    )
    assert kept.status_code == 200, kept.json
    return customer_id


def test_new_mail_opens_a_ticket_and_replies_thread(svc, visible):
    agent = svc.user("service_agent")
    customer_id = known_sender(svc, visible, agent)
    message = mail()
    message.add_attachment(
        b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="单.pdf"
    )
    opened = post(svc, agent, message)
    assert opened.status_code == 200 and opened.json["action"] == "opened"
    ticket_id = opened.json["ticket_id"]
    ticket = svc.client.get(f"/api/v1/tickets/{ticket_id}", headers=agent.headers).json
    assert ticket["channel"] == "email" and ticket["customer_id"] == customer_id
    [first] = svc.client.get(f"/api/v1/tickets/{ticket_id}/messages", headers=agent.headers).json[
        "items"
    ]
    assert first["author_kind"] == "customer" and first["attachments"][0]["filename"] == "单.pdf"
    # The same message again (a relay retry) is not taken twice.
    assert post(svc, agent, mail()).json["action"] == "ignored"
    # A reply by References, and one by the token in the subject.
    by_ref = post(
        svc,
        agent,
        mail("Re: 打印机卡纸", message_id="<m2@example.cn>", References="<m1@example.cn>"),
    )
    assert by_ref.json == {"action": "replied", "ticket_id": ticket_id, "reason": None}
    by_token = post(svc, agent, mail(f"Re: [TK:{ticket_id}]", message_id="<m3@example.cn>"))
    assert by_token.json["ticket_id"] == ticket_id
    thread = svc.client.get(f"/api/v1/tickets/{ticket_id}/messages", headers=agent.headers).json
    assert len(thread["items"]) == 3
    assert len(svc.events("ticket.opened")) == 1


def test_automated_mail_and_loops_are_ignored(svc, visible):
    agent = svc.user("service_agent")
    known_sender(svc, visible, agent)
    for headers in (
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"message_id": "<x@desk.crm.invalid>"},
    ):
        response = post(svc, agent, mail(**headers))
        assert response.json["action"] == "ignored", headers
    assert svc.events("ticket.opened") == []


def test_bad_mail_and_unknown_senders_are_refused(svc, visible):
    agent, rep = svc.user("service_agent"), svc.user()
    assert post(svc, rep, mail()).status_code == 403
    junk = post(svc, agent, b"this is not an email")
    assert junk.status_code == 422 and junk.json["errors"][0]["field"] == "message"
    stranger = post(svc, agent, mail(sender="nobody@example.com"))
    assert stranger.status_code == 422 and stranger.json["errors"][0]["field"] == "from"
    huge = post(svc, agent, b"From: a@b.c\r\n\r\n" + b"x" * (11 * 1024 * 1024))
    assert huge.status_code == 413
    assert svc.events("ticket.opened") == []


def test_the_customer_follows_their_ticket_by_signed_link(svc, visible):
    admin, agent = svc.user("admin"), svc.user("service_agent")
    svc.client.post(
        "/api/v1/sla-policies",
        json={"name": "all", "first_response_minutes": 60, "resolution_minutes": 600},
        headers=admin.headers,
    )
    known_sender(svc, visible, agent)
    ticket_id = post(svc, agent, mail()).json["ticket_id"]
    reply(svc, agent, ticket_id, "请重启打印机")
    reply(svc, agent, ticket_id, "客户很着急", visibility="internal")
    shown = svc.client.get(f"/api/v1/tickets/{ticket_id}", headers=agent.headers).json
    move(svc, agent, ticket_id, "pending")
    token = shown["customer_link"].rsplit("/", 1)[1]
    page = svc.client.get(f"/api/v1/tickets/portal/{token}")
    assert page.status_code == 200
    assert page.json["status"] == "pending"
    assert [m["body"] for m in page.json["thread"]] == ["又卡纸了", "请重启打印机"]
    assert [p["name"] for p in page.json["promise"]] == ["resolution"]
    answered = svc.client.post(f"/api/v1/tickets/portal/{token}", json={"body": "重启了, 好了"})
    assert answered.status_code == 200 and answered.json["status"] == "open"
    forged = token[:-3] + "abc"
    assert svc.client.get(f"/api/v1/tickets/portal/{forged}").status_code == 404
    # A survey token does not open the ticket page (the purpose is signed).
    move(svc, agent, ticket_id, "resolved")
    [sent] = svc.events("ticket.survey_sent")
    survey_token = sent["data"]["link"].rsplit("/", 1)[1]
    assert svc.client.get(f"/api/v1/tickets/portal/{survey_token}").status_code == 404


def test_the_ticket_page_limits_replies(svc, visible):
    agent = svc.user("service_agent")
    known_sender(svc, visible, agent)
    ticket_id = post(svc, agent, mail()).json["ticket_id"]
    link = svc.client.get(f"/api/v1/tickets/{ticket_id}", headers=agent.headers).json
    token = link["customer_link"].rsplit("/", 1)[1]
    # The allowance is per clock minute: start early in one, so all eleven land in it.
    if time.time() % 60 > 30:
        time.sleep(60.5 - time.time() % 60)
    codes = [
        svc.client.post(f"/api/v1/tickets/portal/{token}", json={"body": f"#{n}"}).status_code
        for n in range(11)
    ]
    assert codes == [200] * 10 + [429]
    thread = svc.client.get(f"/api/v1/tickets/{ticket_id}/messages", headers=agent.headers).json
    assert len(thread["items"]) == 11  # the first mail and ten replies
