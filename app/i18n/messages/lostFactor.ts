import { defineMessages } from "../define";

// Issue 9, S-3 and S-5: switching two-factor authentication off through an identity check
// when the second factor is lost.
export const lostFactor = defineMessages({
  en: {
    "lostFactor.title": "Lost your second factor?",
    "lostFactor.intro":
      "If you no longer have your authenticator app nor your emergency codes, we can switch two-factor authentication off after checking your identity. We send a one-time link to {email}; there you upload an official identity document and a photo of yourself holding it. Once our staff approve the check, you sign in with your password alone and can set up a new authenticator.",
    "lostFactor.confirm": "I lost my second factor and want it switched off after an identity check.",
    "lostFactor.submit": "Send me the upload link",
    "lostFactor.linkSent": "We sent a one-time upload link to {email}. It works until {until}.",
    "lostFactor.underReview": "Your identity documents were sent and are being checked. You will get the result by e-mail.",
    "lostFactor.off": "Two-factor authentication is off for this account: you sign in with your password.",
    "lostFactor.back": "Back",
    "lostFactor.errors.confirm": "Confirm that you lost your second factor.",
    "lostFactor.errors.linkSent": "An upload link was already sent for this account. Use the link in that e-mail.",
    "lostFactor.errors.underReview": "An identity check for this account is already being handled.",
    "identity.errors.alreadyOpen": "This user already has an open identity check for this reason.",
    "identity.bo.switchesOffTwoFactor": "Approving switches off two-factor authentication of this account and ends its sessions.",
  },
  de: {
    "lostFactor.title": "Zweiten Faktor verloren?",
    "lostFactor.intro":
      "Wenn Sie weder Ihre Authenticator-App noch Ihre Notfallcodes haben, schalten wir die Zwei-Faktor-Authentifizierung nach einer Identitätsprüfung aus. Wir senden einen einmaligen Link an {email}; dort laden Sie ein amtliches Ausweisdokument und ein Foto von sich mit dem Dokument hoch. Sobald unsere Mitarbeitenden die Prüfung genehmigen, melden Sie sich nur mit Ihrem Passwort an und können eine neue Authenticator-App einrichten.",
    "lostFactor.confirm": "Ich habe meinen zweiten Faktor verloren und möchte ihn nach einer Identitätsprüfung ausschalten lassen.",
    "lostFactor.submit": "Upload-Link senden",
    "lostFactor.linkSent": "Wir haben einen einmaligen Upload-Link an {email} gesendet. Er gilt bis {until}.",
    "lostFactor.underReview": "Ihre Ausweisdokumente wurden gesendet und werden geprüft. Das Ergebnis erhalten Sie per E-Mail.",
    "lostFactor.off": "Die Zwei-Faktor-Authentifizierung ist für dieses Konto aus: Sie melden sich mit Ihrem Passwort an.",
    "lostFactor.back": "Zurück",
    "lostFactor.errors.confirm": "Bestätigen Sie, dass Sie Ihren zweiten Faktor verloren haben.",
    "lostFactor.errors.linkSent": "Für dieses Konto wurde bereits ein Upload-Link gesendet. Verwenden Sie den Link in dieser E-Mail.",
    "lostFactor.errors.underReview": "Für dieses Konto wird bereits eine Identitätsprüfung bearbeitet.",
    "identity.errors.alreadyOpen": "Für diesen Benutzer ist bereits eine Identitätsprüfung aus diesem Grund offen.",
    "identity.bo.switchesOffTwoFactor": "Die Genehmigung schaltet die Zwei-Faktor-Authentifizierung dieses Kontos aus und beendet seine Sitzungen.",
  },
  fr: {
    "lostFactor.title": "Second facteur perdu ?",
    "lostFactor.intro":
      "Si vous n'avez plus ni votre application d'authentification ni vos codes de secours, nous désactivons l'authentification à deux facteurs après une vérification d'identité. Nous envoyons un lien à usage unique à {email} ; vous y téléversez une pièce d'identité officielle et une photo de vous la tenant. Dès que notre équipe approuve la vérification, vous vous connectez avec votre seul mot de passe et pouvez configurer une nouvelle application.",
    "lostFactor.confirm": "J'ai perdu mon second facteur et souhaite le faire désactiver après une vérification d'identité.",
    "lostFactor.submit": "M'envoyer le lien de téléversement",
    "lostFactor.linkSent": "Nous avons envoyé un lien de téléversement à usage unique à {email}. Il est valable jusqu'au {until}.",
    "lostFactor.underReview": "Vos documents d'identité ont été envoyés et sont en cours de vérification. Vous recevrez le résultat par e-mail.",
    "lostFactor.off": "L'authentification à deux facteurs est désactivée pour ce compte : vous vous connectez avec votre mot de passe.",
    "lostFactor.back": "Retour",
    "lostFactor.errors.confirm": "Confirmez que vous avez perdu votre second facteur.",
    "lostFactor.errors.linkSent": "Un lien de téléversement a déjà été envoyé pour ce compte. Utilisez le lien de cet e-mail.",
    "lostFactor.errors.underReview": "Une vérification d'identité est déjà en cours pour ce compte.",
    "identity.errors.alreadyOpen": "Cet utilisateur a déjà une vérification d'identité ouverte pour ce motif.",
    "identity.bo.switchesOffTwoFactor": "L'approbation désactive l'authentification à deux facteurs de ce compte et met fin à ses sessions.",
  },
});
