"""The leads service: where prospects enter the CRM and become qualified."""
