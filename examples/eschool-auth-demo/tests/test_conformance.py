"""The code login passes eschool's login-provider conformance kit (core.testing.conformance)."""

from core.testing.conformance import LoginProviderConformance

CODES = {"kit-linked": "1111-0001", "kit-unknown": "1111-0002", "kit-blocked": "1111-0003",
         "kit-student": "1111-0004"}


class TestCodeLoginConformance(LoginProviderConformance):
    provider = "auth_demo"
    label = "Вход по коду из школы"
    plugins = ["auth_demo"]

    def sections(self, subjects):
        return {"auth_demo": {"codes": {CODES[s]: s for s in subjects}}}

    def submit(self, client, subject):
        return client.post("/auth-demo/login", data={"code": CODES[subject]})

    def submit_wrong(self, client):
        return client.post("/auth-demo/login", data={"code": "0000-0000"})
