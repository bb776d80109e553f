"""Reading inbound mail: replies, tokens, attachments, automated mail and junk."""

import uuid
from email.message import EmailMessage

import pytest

from service_desk.rules.inbound_email import NotAnEmail, parse_email, ticket_token


def mail(**headers):
    message = EmailMessage()
    message["From"] = headers.pop("From", "王小明 <xiaoming@example.cn>")
    message["To"] = "support@crm.example"
    message["Subject"] = headers.pop("Subject", "打印机卡纸")
    message["Message-ID"] = headers.pop("Message_ID", "<m1@example.cn>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("打印机又卡纸了, 请帮忙")
    return message


def test_a_new_message_with_an_attachment():
    message = mail()
    message.add_attachment(
        b"\x89PNG\r\n\x1a\n", maintype="image", subtype="png", filename="卡纸.png"
    )
    parsed = parse_email(message.as_bytes())
    assert parsed.sender == "xiaoming@example.cn" and parsed.sender_name == "王小明"
    assert parsed.subject == "打印机卡纸" and "卡纸" in parsed.body
    assert parsed.message_id == "<m1@example.cn>" and parsed.automated_reason is None
    [attachment] = parsed.attachments
    assert attachment.filename == "卡纸.png" and attachment.data.startswith(b"\x89PNG")


def test_replies_carry_references_and_the_subject_token():
    ticket_id = uuid.uuid4()
    parsed = parse_email(
        mail(
            Subject=f"Re: 打印机卡纸 {ticket_token(ticket_id)}",
            In_Reply_To="<out-1@desk.crm>",
            References="<m0@example.cn> <out-1@desk.crm>",
        ).as_bytes()
    )
    assert parsed.ticket_token == ticket_id
    assert parsed.references == ("<out-1@desk.crm>", "<m0@example.cn>", "<out-1@desk.crm>")
    assert parsed.subject == "Re: 打印机卡纸"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
        {"Message_ID": "<loop-1@desk.crm>"},
    ],
)
def test_automated_mail_is_recognised(headers):
    assert parse_email(mail(**headers).as_bytes(), own_domain="desk.crm").automated_reason


def test_auto_submitted_no_is_a_person():
    assert parse_email(mail(Auto_Submitted="no").as_bytes()).automated_reason is None


@pytest.mark.parametrize(
    "raw",
    [b"", b"hello there, no headers at all", b"Subject: hi\r\n\r\nbody without sender"],
)
def test_not_an_email(raw):
    with pytest.raises(NotAnEmail):
        parse_email(raw)
