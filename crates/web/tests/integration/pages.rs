//! Signing in and out, lock-out, CSRF, languages, error pages, password reset, invitations.

use jardinier_domain::Role;
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    sign_in_lands_in_the_workspace_and_sign_out_ends_the_session,
    a_wrong_password_or_unknown_account_gets_the_same_message,
    repeated_failures_hold_the_account_back_from_that_address,
    forms_without_the_csrf_token_are_refused_and_change_nothing,
    the_language_follows_the_browser_then_the_persons_choice,
    unknown_routes_and_methods_get_proper_pages,
    invalid_forms_say_what_is_wrong_next_to_the_field_and_store_nothing,
    password_reset_works_once_through_the_mail_outbox,
    an_invitation_creates_the_account_and_the_membership,
    health_metrics_and_security_headers,
);

async fn sign_in_lands_in_the_workspace_and_sign_out_ends_the_session(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;

    // Signed out, a workspace page sends to the sign-in form and back.
    let response = app.get("/w/brand/inbox").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login?next=%2Fw%2Fbrand%2Finbox");

    let response = app
        .login_with(&app.client, "  Camille@Brand.example ", PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("jardinier_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && !cookie.contains("Secure"),
        "{cookie}"
    );

    let response = app.get("/").await;
    assert_eq!(location(&response), "/w/brand");
    let (status, html) = app.text("/w/brand").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Brand brand") && html.contains("Camille"));

    let response = app.post("/logout", &[]).await;
    assert_eq!(location(&response), "/login");
    assert_eq!(
        app.get("/w/brand").await.status(),
        StatusCode::SEE_OTHER,
        "the session is gone"
    );
}

async fn a_wrong_password_or_unknown_account_gets_the_same_message(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.user("camille@brand.example", "Camille").await;
    let wrong = app
        .login_with(&app.client, "camille@brand.example", "not the password")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong = wrong.text().await.unwrap();
    let unknown = app
        .login_with(&app.client, "nobody@brand.example", "not the password")
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown = unknown.text().await.unwrap();
    for html in [&wrong, &unknown] {
        assert!(
            html.contains("Incorrect e-mail address or password."),
            "{html}"
        );
    }
    assert!(
        wrong.contains("value=\"camille@brand.example\""),
        "the e-mail is kept in the form"
    );
    assert_eq!(
        app.get("/w/brand").await.status(),
        StatusCode::SEE_OTHER,
        "not signed in"
    );
}

async fn repeated_failures_hold_the_account_back_from_that_address(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.user("camille@brand.example", "Camille").await;
    for attempt in 1..=4 {
        let response = app
            .login_with(&app.client, "camille@brand.example", "guess")
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    let fifth = app
        .login_with(&app.client, "camille@brand.example", "guess")
        .await;
    assert_eq!(fifth.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = fifth.text().await.unwrap();
    assert!(html.contains("Try again in 30 s"), "{html}");
    assert!(html.contains("data-testid=\"send-sign-in-link\""), "{html}");
    // Even the right password waits, from this address (every test client shares it).
    let other = new_client();
    let response = app
        .login_with(&other, "camille@brand.example", PASSWORD)
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another account is not held back by it.
    app.user("sam@brand.example", "Sam").await;
    assert_eq!(
        app.login_with(&other, "sam@brand.example", PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // A password reset proves mailbox access and lifts the lock.
    app.post_with(
        &new_client(),
        "/password/forgot",
        &[("email", "camille@brand.example")],
    )
    .await;
    let mail = app.store.recent_mail(1).await.unwrap().remove(0);
    let link = mail
        .body_text
        .lines()
        .find(|l| l.contains("/password/reset/"))
        .unwrap()
        .trim()
        .to_owned();
    let path = link.strip_prefix(&app.base).unwrap().to_owned();
    let response = app
        .post_with(
            &new_client(),
            &path,
            &[("password", "a brand new password")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.login_with(
            &new_client(),
            "camille@brand.example",
            "a brand new password"
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
}

async fn forms_without_the_csrf_token_are_refused_and_change_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;

    // Anonymous form without the token.
    let response = app
        .client
        .post(app.url("/login"))
        .form(&[("email", "camille@brand.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("This form has expired")
    );

    app.login("camille@brand.example").await;
    // A signed-in form with no token, then with another session's token.
    let response = app
        .client
        .post(app.url("/account"))
        .form(&[("display_name", "Hacked")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let stranger = new_client();
    let foreign_token = app.csrf(&stranger).await;
    let response = app
        .client
        .post(app.url("/account"))
        .form(&[("display_name", "Hacked"), ("_csrf", &foreign_token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app
        .client
        .post(app.url("/w/brand/settings/team/invite"))
        .form(&[("email", "x@y.example"), ("role", "owner")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    assert_eq!(
        app.store
            .user_by_id(owner.id)
            .await
            .unwrap()
            .unwrap()
            .display_name,
        "Camille"
    );
    let workspace = app.store.workspace_by_slug("brand").await.unwrap().unwrap();
    assert!(
        app.store
            .pending_invitations(workspace.id, 0)
            .await
            .unwrap()
            .is_empty()
    );
    // With the token, the same change goes through.
    let response = app
        .post("/account", &[("display_name", "Camille M."), ("lang", "")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store
            .user_by_id(owner.id)
            .await
            .unwrap()
            .unwrap()
            .display_name,
        "Camille M."
    );
}

async fn the_language_follows_the_browser_then_the_persons_choice(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;

    let french = app
        .client
        .get(app.url("/login"))
        .header("accept-language", "fr-FR,fr;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(french.contains("<html lang=\"fr\">") && french.contains("Connexion"));
    let english = new_client()
        .get(app.url("/login"))
        .header("accept-language", "de-DE,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("<html lang=\"en\">") && english.contains("Sign in"));

    // Switching before signing in keeps the choice in a cookie.
    let response = app
        .post("/lang", &[("lang", "fr"), ("next", "/login")])
        .await;
    assert_eq!(location(&response), "/login");
    assert!(app.text("/login").await.1.contains("Connexion"));

    // Signed in, the choice is saved on the account and follows the person to another browser.
    app.login("camille@brand.example").await;
    let section = app.text("/w/brand/animation").await.1;
    assert!(section.contains("Animation") && section.contains("Prévu dans une prochaine version"));
    app.post("/lang", &[("lang", "en"), ("next", "/w/brand/animation")])
        .await;
    assert!(
        app.text("/w/brand/animation")
            .await
            .1
            .contains("Coming in a next version")
    );
    assert_eq!(
        app.store
            .user_by_id(owner.id)
            .await
            .unwrap()
            .unwrap()
            .lang
            .as_deref(),
        Some("en")
    );
    let elsewhere = new_client();
    app.login_with(&elsewhere, "camille@brand.example", PASSWORD)
        .await;
    let html = elsewhere
        .get(app.url("/w/brand"))
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Your role here"),
        "the saved choice beats the browser"
    );
    // An open redirect through `next` is not possible.
    let response = app
        .post("/lang", &[("lang", "en"), ("next", "//evil.example/")])
        .await;
    assert_eq!(location(&response), "/");
}

async fn unknown_routes_and_methods_get_proper_pages(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app
        .client
        .get(app.url("/no/such/page"))
        .header("accept-language", "fr")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(response.text().await.unwrap().contains("Page introuvable"));

    let response = app.client.put(app.url("/login")).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "unsafe methods need the CSRF token first"
    );
    let token = app.csrf(&app.client).await;
    let response = app
        .client
        .put(app.url("/login"))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.headers().contains_key("allow"));
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Action not allowed here")
    );

    let response = app.get("/api/v1/nothing-here").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    let response = app
        .client
        .delete(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        response.headers()["allow"]
            .to_str()
            .unwrap()
            .contains("GET")
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

async fn invalid_forms_say_what_is_wrong_next_to_the_field_and_store_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;

    let response = app
        .post(
            "/w/brand/settings/team/invite",
            &[("email", "not-an-address"), ("role", "pilot")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"f-email-error\">This is not a valid e-mail address"),
        "{html}"
    );
    assert!(html.contains("id=\"f-role-error\">Choose one of the listed roles."));
    assert!(html.contains("aria-invalid=\"true\" aria-describedby=\"f-email-error\""));
    assert!(
        html.contains("value=\"not-an-address\""),
        "what was typed is kept"
    );
    assert!(
        app.store
            .pending_invitations(ws.id, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(app.store.recent_mail(10).await.unwrap().is_empty());

    app.post("/lang", &[("lang", "fr"), ("next", "/")]).await;
    let html = app
        .post("/workspaces", &[("name", "Autre"), ("slug", "brand")])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Un autre espace utilise déjà ce nom d&#39;adresse web."),
        "{html}"
    );
    let html = app
        .post(
            "/w/brand/settings",
            &[("name", ""), ("timezone", "Europe/Pariss")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Ce champ est obligatoire.") && html.contains("Fuseau horaire inconnu"));
    // The time zone is chosen from a list, each with its offset from UTC.
    let (_, settings) = app.text("/w/brand/settings").await;
    assert!(
        settings.contains("<option value=\"Europe/Paris\" selected>(UTC+0")
            && settings.contains(") America/New York</option>"),
        "{settings}"
    );
    assert_eq!(
        app.store
            .workspace_by_slug("brand")
            .await
            .unwrap()
            .unwrap()
            .timezone,
        "Europe/Paris"
    );
    let response = app
        .post(
            "/account/password",
            &[("current_password", "wrong"), ("password", "short")],
        )
        .await;
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Ce n&#39;est pas votre mot de passe actuel.")
            && html.contains("au moins 10 caractères")
    );
    // The last owner cannot demote themselves.
    let response = app
        .post(
            &format!("/w/brand/settings/team/{}/role", owner.id),
            &[("role", "editor")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("au moins un propriétaire")
    );
    assert_eq!(
        app.store
            .membership(owner.id, "brand")
            .await
            .unwrap()
            .unwrap()
            .1,
        Role::Owner
    );
}

async fn password_reset_works_once_through_the_mail_outbox(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.user("camille@brand.example", "Camille").await;
    let unknown = app
        .post("/password/forgot", &[("email", "nobody@brand.example")])
        .await
        .text()
        .await
        .unwrap();
    let known = app
        .post("/password/forgot", &[("email", "camille@brand.example")])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        unknown.contains("If an account exists") && known.contains("If an account exists"),
        "no account enumeration"
    );
    let mails = app.store.recent_mail(10).await.unwrap();
    assert_eq!(mails.len(), 1, "only the real account gets mail");
    assert_eq!(mails[0].to, "camille@brand.example");
    let link = mails[0]
        .body_text
        .lines()
        .find(|l| l.contains("/password/reset/"))
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        link.starts_with(&app.base),
        "links use the configured base URL: {link}"
    );
    let path = link.strip_prefix(&app.base).unwrap().to_owned();
    // The mail log page shows it in the demo configuration.
    assert!(app.text("/dev/mail").await.1.contains(&path));

    assert_eq!(app.get(&path).await.status(), StatusCode::OK);
    let response = app.post(&path, &[("password", "short")]).await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a bad password does not use the link"
    );
    let response = app
        .post(&path, &[("password", "a much better password")])
        .await;
    assert!(response.text().await.unwrap().contains("Password changed"));
    assert_eq!(
        app.get(&path).await.status(),
        StatusCode::GONE,
        "links work once"
    );
    assert_eq!(
        app.login_with(&new_client(), "camille@brand.example", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login_with(
            &new_client(),
            "camille@brand.example",
            "a much better password"
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
}

async fn an_invitation_creates_the_account_and_the_membership(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let response = app
        .post(
            "/w/brand/settings/team/invite",
            &[("email", "Nadia@Brand.example"), ("role", "client")],
        )
        .await;
    assert_eq!(location(&response), "/w/brand/settings/team?done=invited");
    let team = app.text("/w/brand/settings/team?done=invited").await.1;
    assert!(team.contains("Invitation sent.") && team.contains("nadia@brand.example"));
    let again = app
        .post(
            "/w/brand/settings/team/invite",
            &[("email", "camille@brand.example"), ("role", "editor")],
        )
        .await;
    assert!(again.text().await.unwrap().contains("already in the team"));

    let mail = app.store.recent_mail(1).await.unwrap().remove(0);
    assert_eq!(
        (mail.to.as_str(), mail.subject.as_str()),
        ("nadia@brand.example", "Join Brand brand on Jardinier")
    );
    let link = mail
        .body_text
        .lines()
        .find(|l| l.contains("/invite/"))
        .unwrap()
        .trim()
        .to_owned();
    let path = link.strip_prefix(&app.base).unwrap().to_owned();

    let nadia = new_client();
    let page = app.get_with(&nadia, &path).await.text().await.unwrap();
    assert!(page.contains("nadia@brand.example") && page.contains("Client"));
    let response = app
        .post_with(
            &nadia,
            &path,
            &[("display_name", ""), ("password", "nadia-password-1")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .post_with(
            &nadia,
            &path,
            &[("display_name", "Nadia"), ("password", "nadia-password-1")],
        )
        .await;
    assert_eq!(location(&response), "/w/brand?done=joined");
    let joined = app
        .get_with(&nadia, "/w/brand?done=joined")
        .await
        .text()
        .await
        .unwrap();
    assert!(joined.contains("Welcome to the workspace!"));
    let (_, user_role) = app
        .store
        .workspaces_of_user(
            app.store
                .user_credentials("nadia@brand.example")
                .await
                .unwrap()
                .unwrap()
                .0
                .id,
        )
        .await
        .unwrap()
        .remove(0);
    assert_eq!(user_role, Role::Client);
    assert_eq!(
        app.get_with(&new_client(), &path).await.status(),
        StatusCode::GONE,
        "used once"
    );
    assert!(
        app.store
            .pending_invitations(ws.id, 0)
            .await
            .unwrap()
            .is_empty()
    );
    let audit = app.text("/w/brand/settings/audit").await.1;
    assert!(audit.contains("Invitation sent") && audit.contains("Invitation accepted"));
}

async fn health_metrics_and_security_headers(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |c| c.metrics_token = Some("scraper".into())).await
    else {
        return;
    };
    let health: serde_json::Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["database"], "ok");
    let page = app.get("/login").await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scraper")
        .send()
        .await
        .unwrap();
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains("jardinier_http_requests_total{method=\"GET\",status=\"200\"}"),
        "{text}"
    );
    assert!(text.contains("jardinier_users 0"));
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "not a sample line: {line}");
    }
}
