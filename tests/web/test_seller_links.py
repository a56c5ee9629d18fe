"""Seller links: issue, verify, tamper, revoke."""
from portal.services import links, sellers


def test_link_opens_form_prefilled_without_login(client, demo, seller):
    page = client.get(seller.link_path("DEMO-002"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Cửa hàng Bình An" in html
    assert 'value="0900000002"' in html  # contact phone pre-filled from the seller


def test_tampered_token_is_404(client, demo, seller):
    path = seller.link_path()
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    assert client.get(tampered).status_code == 404
    assert client.get("/s/not-a-token").status_code == 404


def test_token_signed_with_another_key_is_404(client, app, demo):
    seller = sellers.by_code("DEMO-001")
    assert client.get(f"/s/{links.link_token(seller, 'some-other-secret')}").status_code == 404


def test_token_for_unknown_seller_is_404(client, app, demo):
    from itsdangerous import URLSafeSerializer

    forged = URLSafeSerializer(app.config["SECRET_KEY"], salt="seller-link-v1").dumps([999999, 1])
    assert client.get(f"/s/{forged}").status_code == 404


def test_revoke_makes_old_links_410_and_new_link_works(client, app, demo, seller, runner):
    old = seller.link_path("DEMO-003")
    result = runner.invoke(args=["sellers", "revoke", "DEMO-003"])
    assert result.exit_code == 0, result.output
    page = client.get(old)
    assert page.status_code == 410
    assert "replaced" in page.get_data(as_text=True)
    assert client.get(old + "/tickets/T-0000-0001").status_code == 410
    new = seller.link_path("DEMO-003")
    assert new != old
    assert client.get(new).status_code == 200


def test_cli_link_prints_url_as_last_line(runner, demo):
    result = runner.invoke(args=["sellers", "link", "DEMO-001"])
    assert result.exit_code == 0
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("http://portal.test/s/")


def test_cli_add_and_link_unknown(runner, demo):
    assert runner.invoke(args=["sellers", "add", "--code", "SHOP-9", "--name", "Shop Chín", "--phone",
                               "0912 345 678"]).exit_code == 0
    assert sellers.by_code("SHOP-9").phone == "0912345678"
    dup = runner.invoke(args=["sellers", "add", "--code", "SHOP-9", "--name", "Again"])
    assert dup.exit_code != 0 and "already exists" in dup.output
    bad = runner.invoke(args=["sellers", "add", "--code", "bad code!", "--name", "X"])
    assert bad.exit_code != 0 and "seller code" in bad.output
    missing = runner.invoke(args=["sellers", "link", "NOPE"])
    assert missing.exit_code != 0 and "No seller" in missing.output


def test_cli_import_reports_added_updated_rejected(runner, demo, tmp_path):
    csv_file = tmp_path / "sellers.csv"
    csv_file.write_text("\ufeffcode,name,phone,locale\n"
                        "IMP-1,Shop Một,0901111111,vi\n"
                        "DEMO-001,Shop Hoa Mai Mới,0900000001,vi\n"
                        "IMP-2,,0902222222,vi\n"
                        "IMP-3,Shop Ba,12,en\n"
                        "IMP-1,Shop Một lại,0901111111,vi\n"
                        "IMP-4,Shop Bốn,,fr\n", encoding="utf-8")
    result = runner.invoke(args=["sellers", "import", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "added=1 updated=1 unchanged=0 rejected=4" in result.output
    assert "line 4: rejected: name" in result.output
    assert "line 5: rejected: phone" in result.output
    assert "line 6: rejected: code IMP-1 appears twice" in result.output
    assert "line 7: rejected: locale" in result.output
    assert sellers.by_code("DEMO-001").name == "Shop Hoa Mai Mới"
    assert sellers.by_code("IMP-2") is None
