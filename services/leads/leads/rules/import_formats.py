"""Import formats: which columns of our export, a Salesforce or a HubSpot file mean what.

Also how another system's lead statuses read in ours.
"""

from __future__ import annotations

from .lead_fields import IMPORT_FIELDS

FIELDS = IMPORT_FIELDS

OWN_EXPORT = {name: name for name in sorted(FIELDS)}
SALESFORCE = {
    "FirstName": "first_name",
    "LastName": "last_name",
    "Name": "name",
    "Company": "company",
    "Email": "email",
    "Phone": "phone",
    "MobilePhone": "mobile",
    "LeadSource": "source",
    "Status": "status",
    "Industry": "industry",
    "City": "city",
    "State": "state",
    "Country": "country",
    "Title": "title",
    "NumberOfEmployees": "company_size",
    "Website": "website",
    "Description": "notes",
}
HUBSPOT = {
    "First Name": "first_name",
    "Last Name": "last_name",
    "Email": "email",
    "Company Name": "company",
    "Phone Number": "phone",
    "Mobile Phone Number": "mobile",
    "Lifecycle Stage": "status",
    "Job Title": "title",
    "Industry": "industry",
    "City": "city",
    "State/Region": "state",
    "Country/Region": "country",
    "Number of Employees": "company_size",
    "Website URL": "website",
    "Original Source": "source",
}


# Statuses of other systems, in ours (keys compared without case, spaces, dashes).
STATUS_MAP = {
    "new": "new",
    "contacted": "contacted",
    "nurturing": "nurturing",
    "qualified": "qualified",
    "disqualified": "disqualified",
    # Salesforce's default lead statuses
    "opennotcontacted": "new",
    "workingcontacted": "contacted",
    "closedconverted": "qualified",
    "closednotconverted": "disqualified",
    # HubSpot lifecycle stages (internal names and labels)
    "subscriber": "new",
    "lead": "new",
    "other": "new",
    "marketingqualifiedlead": "nurturing",
    "salesqualifiedlead": "qualified",
    "opportunity": "qualified",
    "customer": "qualified",
    "evangelist": "qualified",
}


def map_status(value: str | None) -> str | None:
    """Our status for another system's, or None when unknown."""
    if value is None:
        return "new"
    key = "".join(ch for ch in value.casefold() if ch.isalnum())
    return STATUS_MAP.get(key)
