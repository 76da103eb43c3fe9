-- Written once at installation and never read: nothing signs with it.
DROP TABLE IF EXISTS app_secret;
