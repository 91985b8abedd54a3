"""Banking demo: customer onboarding with KYC checks, a DMN risk score and approvals."""
