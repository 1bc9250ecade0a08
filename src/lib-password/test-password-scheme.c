#include "test-common.h"
#include "base64.h"
#include "hex.h"
#include "password-crypto.h"
#include "password-scheme.h"

#include <stdio.h>

/* Vectors were made by real tools, not by this code:
   - doveadm: `doveadm pw -s SCHEME -p PASSWORD [-r ROUNDS]` from Debian 12's
     dovecot-core 2.3.19, the format we must match in both directions;
   - openssl: `openssl passwd -1/-5/-6 -salt SALT pencil` (OpenSSL 3.0);
   - mkpasswd: `mkpasswd -m bcrypt|sha-512|descrypt -R N -S SALT pencil`;
   - argon2: `echo -n pencil | argon2 saltsaltsaltsalt -id|-i -t 3 -m 12 -p N -e`;
   - python: hashlib/hmac (sha*, pbkdf2_hmac) with fixed salts, and the
     SCRAM keys of the RFC 5802 / RFC 7677 examples, whose whole exchange
     (ClientProof, ServerSignature) python checked before we pasted them. */

#define PW "pencil"
/* UTF-8, a space and shell metacharacters */
#define PW2 "Tr0ub4dor&3 ünïcode"

struct vector {
	const char *stored;
	const char *password;
};

static const struct vector good_vectors[] = {
	/* doveadm, password "pencil" */
	{ "{PLAIN}pencil", PW },
	{ "{CLEAR}pencil", PW },
	{ "{CLEARTEXT}pencil", PW },
	{ "{PLAIN.HEX}70656e63696c", PW },
	{ "{PLAIN.B64}cGVuY2ls", PW },
	{ "{CRYPT}$2y$05$xCEjLM6yeR6WwBdF/8x0B..8owZopEUS3CwnIcRqjFKqS3mb5OaW2", PW },
	{ "{DES-CRYPT}2ahg0MwA6gPi6", PW },
	{ "{MD5-CRYPT}$1$3W0tabvc$ghXNhIyJ9pUg6IQxg3eCq/", PW },
	{ "{SHA256-CRYPT}$5$G7B3KpH7RFJVH6q4$vGrJzDRL9ZA8ru2GFwE0syYsm4lG2WURxxogjnsG1i3", PW },
	{ "{SHA512-CRYPT}$6$AgP5Bs4NrT9GB9z4$23m0daFYidGtEzSXvy.e9uvWe1nMrytPx2nIAERTbl5/TLr0T3aC0"
	  "O0u0TiIgJESN4hV3Czxhw1b0/YD3Hs6g/",
	  PW },
	{ "{BLF-CRYPT}$2y$05$OvJteimOxjf6sw.MSMiZ3OKzBsxRW8hoZRJi5WCyUFcdH4mdBGS4a", PW },
	{ "{SHA}0vxRJJChUDZGC1SJQBQ51tpUB/o=", PW },
	{ "{SHA1}0vxRJJChUDZGC1SJQBQ51tpUB/o=", PW },
	{ "{SSHA}tuU5evDylByRcPG580NiFr/sWwKcsxmX", PW },
	{ "{SHA256}E4CWaPtDY4Zwb2fcsFLtWEoEuhaowCoX1m00ww/O2iE=", PW },
	{ "{SSHA256}SjSYAJbp931iTKlR7sFUPLn4ygt7KnDfkbt2bys+LPmufm+5", PW },
	{ "{SHA512}Gd8Bqrgo+NUINrp1cJcTrtInM1344YZDkYXAbJF6Kn03cat24wfPo7a4nvGmaC1mgd3xGISHDl3hPnk/"
	  "uVXu6w==",
	  PW },
	{ "{SSHA512}F2iqNyQMEgb1uUGkgwxuUUN9Q0tJ4W+RCc1Y1YmLP0IjcHsnCylJKQ+C/xMvvRuvEpsS94h4Jox1tHd"
	  "IlBz308sMa5I=",
	  PW },
	{ "{PBKDF2}$1$jTb6zd/WaNcP2oUu$5000$4918ef9e0df3eeaea65332ffb4733e73b6d61d9a", PW },
	{ "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$Jr1I7Om+mfm+r1q4JukK2w$ZjhIL3wsu9SLSI+WvJjPj8FZ9W"
	  "aB1mhu5KxS4H//V4E",
	  PW },
	{ "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$TKzcYn/i9+5EIJ83DXtaOw$3qDIfu8n64BWWS0wcCZETvOy"
	  "MMOcvhbgNgA1qBNiNd8",
	  PW },
	{ "{CRAM-MD5}7f47ace0e2af8f6cdeb72c03243a8c87834e19104164d6a42de72d243adb4080", PW },
	{ "{HMAC-MD5}7f47ace0e2af8f6cdeb72c03243a8c87834e19104164d6a42de72d243adb4080", PW },
	{ "{SCRAM-SHA-1}4096,EUCPFhA2HORwFMdbp8/01w==,pCr+lAjJbrkDqWERWLOPL6/t2Iw=,UtRVQKDue192GhYy"
	  "eOwaHiPghIk=",
	  PW },
	{ "{SCRAM-SHA-256}4096,a5psIUBHamNxTPwBev+lQw==,h0tyvjxgCzdD5HeKb6CZu6Au6Y/wOa8BgRg7LOgv2SE"
	  "=,nWorrl9vjioa9E6b4ZETvs5mvC2LUQXZI6e+9SQArmc=",
	  PW },
	{ "{MD5}$1$U/jOfUDK$mezRwzTbpj4kWoU/f4cP1/", PW },
	{ "{PLAIN-MD5}a8f6830bce790a8a67fc2e84e12093ba", PW },
	{ "{LDAP-MD5}qPaDC855Copn/C6E4SCTug==", PW },
	{ "{SMD5}6hUhsCiRHNLofUd/sfX+Jgh7yPI=", PW },
	{ "{SHA256.HEX}13809668fb436386706f67dcb052ed584a04ba16a8c02a17d66d34c30fceda21", PW },
	{ "{SSHA.HEX}bde528901bdcfa59882d10501bd1e897b4b774a132f68f65", PW },
	{ "{SHA.B64}0vxRJJChUDZGC1SJQBQ51tpUB/o=", PW },
	{ "{PLAIN-MD5.B64}qPaDC855Copn/C6E4SCTug==", PW },
	{ "{LDAP-MD5.HEX}a8f6830bce790a8a67fc2e84e12093ba", PW },
	{ "{SSHA512.HEX}93327e182ebc8d2d5628738cf3e2c9d77edcac0873c7a526f2be85d70e12515f8187950603e"
	  "dc09090c51d10f5fcc4863bf814f87a2a151a7474fc677a5a667507216787",
	  PW },
	/* doveadm accepts these alternative encodings, so do we */
	{ "{SHA}d2fc512490a15036460b5489401439d6da5407fa", PW },
	{ "{SHA}D2FC512490A15036460B5489401439D6DA5407FA", PW },
	{ "{MD5}a8f6830bce790a8a67fc2e84e12093ba", PW },
	{ "{MD5}qPaDC855Copn/C6E4SCTug==", PW },
	{ "{LDAP-MD5}a8f6830bce790a8a67fc2e84e12093ba", PW },
	{ "{sha}0vxRJJChUDZGC1SJQBQ51tpUB/o=", PW },
	{ "{Sha.hex}d2fc512490a15036460b5489401439d6da5407fa", PW },
	{ "{SHA.BASE64}0vxRJJChUDZGC1SJQBQ51tpUB/o=", PW },
	{ "{PBKDF2}$1$jTb6zd/WaNcP2oUu$5000$4918EF9E0DF3EEAEA65332FFB4733E73B6D61D9A", PW },
	/* crypt schemes verify any crypt(3) hash, as in Dovecot */
	{ "{CRYPT}$1$3W0tabvc$ghXNhIyJ9pUg6IQxg3eCq/", PW },
	{ "{CRYPT}2ahg0MwA6gPi6", PW },
	{ "{DES-CRYPT}$1$3W0tabvc$ghXNhIyJ9pUg6IQxg3eCq/", PW },
	{ "{SHA512-CRYPT}$1$3W0tabvc$ghXNhIyJ9pUg6IQxg3eCq/", PW },
	{ "{BLF-CRYPT}$2b$05$OvJteimOxjf6sw.MSMiZ3OKzBsxRW8hoZRJi5WCyUFcdH4mdBGS4a", PW },
	{ "{BLF-CRYPT}$2a$05$OvJteimOxjf6sw.MSMiZ3OKzBsxRW8hoZRJi5WCyUFcdH4mdBGS4a", PW },
	{ "{ARGON2I}$argon2id$v=19$m=65536,t=3,p=1$TKzcYn/i9+5EIJ83DXtaOw$3qDIfu8n64BWWS0wcCZETvOyM"
	  "MOcvhbgNgA1qBNiNd8",
	  PW },

	/* doveadm, password PW2 */
	{ "{PLAIN}" PW2, PW2 },
	{ "{CRYPT}$2y$05$o5MuCusosurrMZA6TMAuju7VXUx1Onn/33fCgIlE1wHNbPAQ5v5t.", PW2 },
	{ "{DES-CRYPT}wD5zs5KTKB9fI", PW2 },
	{ "{MD5-CRYPT}$1$Y4gfLQpl$tHwoygdr1LtJLuPLj5eWy/", PW2 },
	{ "{SHA256-CRYPT}$5$VFcRRW2m/M9TL2Ot$XcNjHXlcYEs8iWqT8PUmvgprozstNIcJ0mDdxUMeED3", PW2 },
	{ "{SHA512-CRYPT}$6$T67YNeB4t61mryVT$vTCKBjvTrde076bCnJFcH/5GL62lOp3psEuAfmWpqDSFpTxkgZQx5u"
	  "fWaueLMOua8o8rI9F34LNW6BV0z.KnF/",
	  PW2 },
	{ "{SHA512-CRYPT}$6$rounds=10000$XpN6tLPYTiJ3qeEN$2ZsdJwsmst7ChGhFk4Hd3YJ6.NExth8XgK0lYDXpx"
	  "7JZuJymsc5zezdhs/Ks5cNhgmK6B/8BOLBU5ENWygaJL0",
	  PW2 },
	{ "{BLF-CRYPT}$2y$05$yZ4vWXVtz8553SI9AyhCze9mCj15509/9qOhy6RnejCYbfYQHArUG", PW2 },
	{ "{BLF-CRYPT}$2y$04$vGQDsBd.TVH29YSnb3qjJeCaynJOOfkbDw0Fx49J4nxLz91fZmEDi", PW2 },
	{ "{SHA}X1tGkJNvqACMeoAndrhEmdp8d2k=", PW2 },
	{ "{SSHA}6UehYoTSbNKSon8RgfhJQJXKG24qCCML", PW2 },
	{ "{SHA256}8xKh+iBbhCLISAyuhd4PFaL5yz9rOzYucvLWSlzWFks=", PW2 },
	{ "{SSHA256}wcsvjXTBR4i8TZ5Sw/TFnFzgV60rwfCI1ZfAZJrbJZQuw2Kf", PW2 },
	{ "{SHA512}eQdqiPxUmslkJi8WaPHZFa83AJkmDFDjskFuhGHMlPO+KmhNxkLjrUHDBNG5am7exFOsNfusFoTqs8pU"
	  "/bGjrg==",
	  PW2 },
	{ "{SSHA512}8Oa0KMMZhEYkR+YGUPIj3XqHx3HQ4K3ijR6sLm4jW/AEnV3KKTp25ELXCFuW44ZdPZCGixj4+2ketj1"
	  "1TiD7IZ3mjQ8=",
	  PW2 },
	{ "{PBKDF2}$1$0Ck01VV9sUkAk54H$5000$f8824e26f6f096091386e94fb2b3c7576d8527f2", PW2 },
	{ "{PBKDF2}$1$9GkKmhHRV8bREDUM$1000$3c6c87dd8db72d0df9a5a9f63f23e5b63e06b820", PW2 },
	{ "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$oNiRIYLxYzTUyz9AkjV5RA$fuVeLfq94/1MQSW5seXi7WHU83"
	  "8z/Apu6xSjOIf4UMc",
	  PW2 },
	{ "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$275Jv9k7+TN/Yeh3+Sq34w$7bo1PyBrfVkb0N4SS2ffqBJJ"
	  "DJihsYdHegoxCtlEuv0",
	  PW2 },
	{ "{CRAM-MD5}66ad1a756bbbf2390b36d79f9d604b1ef08a3739d0ef6b984363fc940f71c908", PW2 },
	{ "{CRAM-MD5.B64}Zq0adWu78jkLNtefnWBLHvCKNznQ72uYQ2P8lA9xyQg=", PW2 },
	{ "{SCRAM-SHA-1}4096,vSuQO6bJ2iinJEjjqWAhVw==,ok5j1MbX9D9ATznUNUgte31O0es=,PLTh1yatC7a2Xqvr"
	  "ZY2Dx9acC8o=",
	  PW2 },
	{ "{SCRAM-SHA-256}4096,EMYfxEU6Xz8MZICn33bcVA==,IjipCltBHVr6x+s+ssQb44LyzT6aJiTwlu2qLwxl19s"
	  "=,Hti6GtT/jyciZ8JZzPKySfDkZBd6Izp7AxO3sMCBcNM=",
	  PW2 },
	{ "{SCRAM-SHA-1.HEX}343039362c3041646c33534d7745426253316f325a3378347636413d3d2c456644502b5"
	  "46e754e33484c5072477946596d65577855554651303d2c612f6269334d6a6b652b54676a5a4c5a35304e475"
	  "8643463507a733d",
	  PW2 },
	{ "{MD5}$1$SlFHPvm2$Q9J7gC5JJzjVPsn/KAls.1", PW2 },
	{ "{PLAIN-MD5}f5ca37037c8b9f0bf82f9fe640ef3e5b", PW2 },
	{ "{LDAP-MD5}9co3A3yLnwv4L5/mQO8+Ww==", PW2 },
	{ "{SMD5}Yb794G/I0Hfs+myww1vf1n77ebk=", PW2 },
	{ "{SSHA256.HEX}74c95209dc921c054d6efc24045b611ead12d39d12f08f0378d28aca0707e7f4347c6570",
	  PW2 },
	{ "{SHA512.HEX}79076a88fc549ac964262f1668f1d915af370099260c50e3b2416e8461cc94f3be2a684dc642"
	  "e3ad41c304d1b96a6edec453ac35fbac1684eab3ca54fdb1a3ae",
	  PW2 },
	{ "{SMD5.HEX}145269ba76a1adcef07d5ce512701b4ddc7221b8", PW2 },
	{ "{PLAIN-MD5.B64}9co3A3yLnwv4L5/mQO8+Ww==", PW2 },
	{ "{PLAIN.B64}VHIwdWI0ZG9yJjMgw7xuw69jb2Rl", PW2 },

	/* openssl passwd */
	{ "{MD5-CRYPT}$1$saltsalt$wCrc3hcrR95SV83Xh8Z.41", PW },
	{ "{SHA256-CRYPT}$5$saltsaltsaltsalt$wilp5jjt7OOVIXVjrhbFFCArywVCqEOGSTB0fdsTHs.", PW },
	{ "{SHA512-CRYPT}$6$saltsaltsaltsalt$TC.srYZRdhUNd1hUaX8BXmGPkCpq7TP8IIfBuwlVqWVsOskMwYShHa"
	  "SiuvPe57wq5SGBJgI8u2TksJeC/Zaz50",
	  PW },
	{ "{SHA512-CRYPT}$6$rounds=10000$roundsalt$0oLH2nBpyki2cRx7Wk/UxXekgj3Yah0vXwxyP9KQCgdP3/X2"
	  "qNUE/SqDF7CR3ZTIdFKo7S8zEtWQmhycQGuIM0",
	  PW },
	{ "{SHA256-CRYPT}$5$rounds=5000$toolongsaltstrin$Tor172GF4Hq.rGT4xFPGCz4B3HijQj1D4oHc2kjAvy"
	  "B",
	  "correct horse battery staple" },
	/* mkpasswd */
	{ "{BLF-CRYPT}$2b$05$abcdefghijklmnopqrstuu680Yiaj5hFUaJTH/rTAcbA2PQEGfiZu", PW },
	{ "{BLF-CRYPT}$2b$05$ojC5/y2Q2zpPV8rA/t973.QR1g1TuB1KMwEMkV6SF3o.lHpfVAGmq", PW },
	{ "{SHA512-CRYPT}$6$rounds=6000$mkpasswdsalt$LXPJlxlk1EELa2PIxoTpq8p60FPTJm22CZirPWZt.sf5ev"
	  "BaRvxBRWmRWXWJUwEOQtN0tQC9FOLNnw4NXTbMo.",
	  PW },
	{ "{DES-CRYPT}abJ32bJMdTsnY", PW },
	/* argon2 CLI (p=2 too, which Dovecot never writes) */
	{ "{ARGON2ID}$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$xpT6dHcfDY56VMkFI7dhB6FYc"
	  "8tWX6BpTALEVpUJrWY",
	  PW },
	{ "{ARGON2I}$argon2i$v=19$m=4096,t=3,p=2$c2FsdHNhbHRzYWx0c2FsdA$nozBP+pL+ZIQwD7QHbt82DPxvmz"
	  "TJwch48cOzZlukwk",
	  PW },
	/* python hashlib, salt 01..08 */
	{ "{SSHA}wQlfDRC2U2VxQ+eMKr7SFL0BmVgBAgMEBQYHCA==", PW },
	{ "{SSHA256}A77VW15BuokbgiLd+VHWPNGy156jh69r3AKQSmY1cXMBAgMEBQYHCA==", PW },
	{ "{SSHA512}OOL42mKQ3zEWAJYXJBkuxdTBS0X01LVK4+0aCtjAnZbHXIuyRFbuqwa9Jm4wRl25day/iwtZznLsnk+"
	  "Iksdf6QECAwQFBgcI",
	  PW },
	{ "{SMD5}SNM6G6FDMP+1uVAPSoCKugECAwQFBgcI", PW },
	{ "{SHA256}RpcL73Cs7YEj8NXQlHF+KlzUEgQeA7JjdgSf5lsoNKQ=", "p\xc3\xa4ssw\xc3\xb6rd" },
	{ "{PBKDF2}$1$pythonsalt$1000$137ec1a1e0e61ff76faccd0a9838ba21b6ae54c2", PW },
	/* RFC 5802 section 5 and RFC 7677 section 3 (user "user") */
	{ "{SCRAM-SHA-1}4096,QSXCR+Q6sek8bf92,6dlGYMOdZcOPutkcNY8U2g7vK9Y=,D+CSWLOshSulAsxiupA+qs2/"
	  "fTE=",
	  PW },
	{ "{SCRAM-SHA-256}4096,W22ZaJ0SNY7soEsUEjb6gQ==,WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY"
	  "=,wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
	  PW },
};

static bool test_is_slow(const char *stored)
{
	return strstr(stored, "ARGON2") != NULL;
}

static void test_password_vectors(void)
{
	const char *error;

	test_begin("password_verify: tool vectors match");
	for (unsigned int i = 0; i < N_ELEMENTS(good_vectors); i++) {
		const struct vector *v = &good_vectors[i];

		error = NULL;
		test_assert_idx(password_verify(v->password, v->stored, NULL, "user", &error) == 1,
				i);
		if (error != NULL && test_has_failed())
			printf("  %u: %s\n", i, error);
	}
	test_end();

	test_begin("password_verify: tool vectors, wrong password");
	for (unsigned int i = 0; i < N_ELEMENTS(good_vectors); i++) {
		const struct vector *v = &good_vectors[i];
		/* a prefix, as DES-CRYPT reads only 8 characters */
		const char *wrong = p_strconcat(test_pool, "x", v->password, NULL);

		test_assert_idx(password_verify(wrong, v->stored, NULL, "user", &error) == 0, i);
		if (test_is_slow(v->stored))
			continue;
		/* one changed byte, and the empty password */
		char *flipped = p_strdup(test_pool, v->password);

		flipped[0] ^= 0x20;
		test_assert_idx(password_verify(flipped, v->stored, NULL, "user", &error) == 0, i);
		test_assert_idx(password_verify("", v->stored, NULL, "user", &error) == 0, i);
	}
	test_end();
}

static void test_password_default_scheme(void)
{
	const char *error;

	test_begin("password_verify: bare data and default scheme");
	test_assert(password_verify(PW, "0vxRJJChUDZGC1SJQBQ51tpUB/o=", "SHA", NULL, &error) == 1);
	test_assert(password_verify(PW, "0vxRJJChUDZGC1SJQBQ51tpUB/o=", "sha1", NULL, &error) == 1);
	test_assert(password_verify(PW, "pencil", "PLAIN", NULL, &error) == 1);
	test_assert(password_verify(PW, "pencil", "CLEARTEXT", NULL, &error) == 1);
	test_assert(password_verify("pencil2", "pencil", "PLAIN", NULL, &error) == 0);
	test_assert(password_verify("pencil", "pencil2", "PLAIN", NULL, &error) == 0);
	test_assert(password_verify("", "", "PLAIN", NULL, &error) == 1);
	test_assert(password_verify("", "{PLAIN}", NULL, NULL, &error) == 1);
	test_assert(password_verify(PW, "70656e63696c", "PLAIN.HEX", NULL, &error) == 1);
	/* a prefix wins over the default */
	test_assert(password_verify(PW, "{PLAIN}pencil", "SHA512-CRYPT", NULL, &error) == 1);
	/* bare $1$ is MD5-CRYPT whatever the default, as in Dovecot */
	test_assert(password_verify(PW, "$1$3W0tabvc$ghXNhIyJ9pUg6IQxg3eCq/", "PLAIN", NULL,
				    &error) == 1);
	test_assert(password_verify(PW, "$1$3W0tabvc$ghXNhIyJ9pUg6IQxg3eCq/", NULL, NULL,
				    &error) == 1);
	/* ... except that PBKDF2's format starts with $1$ too */
	test_assert(password_verify(PW, "$1$jTb6zd/WaNcP2oUu$5000$4918ef9e0df3eeaea65332ffb4733e73"
					"b6d61d9a",
				    "PBKDF2", NULL, &error) == 1);
	/* a default crypt scheme takes older crypt hashes */
	test_assert(password_verify(PW, "2ahg0MwA6gPi6", "SHA512-CRYPT", NULL, &error) == 1);
	/* no scheme at all */
	error = NULL;
	test_assert(password_verify(PW, "pencil", NULL, NULL, &error) == -1);
	test_assert(error != NULL);
	test_assert(password_verify(PW, "pencil", "NOSUCH", NULL, &error) == -1);
	test_assert(strstr(error, "NOSUCH") != NULL);
	/* '{' without '}' is bare data */
	test_assert(password_verify("{pencil", "{pencil", "PLAIN", NULL, &error) == 1);
	test_end();

	test_begin("password_verify: locked crypt entries never match");
	test_assert(password_verify(PW, "{SHA512-CRYPT}!$6$AgP5Bs4NrT9GB9z4$23m0daFYidGtEzSXvy.e9uv"
					"We1nMrytPx2nIAERTbl5/TLr0T3aC0O0u0TiIgJESN4hV3Czxhw1b0/YD3"
					"Hs6g/",
				    NULL, NULL, &error) == 0);
	test_assert(password_verify(PW, "{CRYPT}*", NULL, NULL, &error) == 0);
	test_assert(password_verify(PW, "!", "MD5-CRYPT", NULL, &error) == 0);
	test_end();
}

static const char *const malformed[] = {
	"",
	"{UNKNOWN}x",
	"{}x",
	"{SHA.FOO}0vxRJJChUDZGC1SJQBQ51tpUB/o=",
	"{SHA.HEX.HEX}d2fc512490a15036460b5489401439d6da5407fa",
	"{SHA 256}x",
	"{\x01\xff very long scheme name that goes on and on and on}x",
	/* crypt family: empty, truncated, unknown method, garbage */
	"{SHA512-CRYPT}",
	"{CRYPT}",
	"{DES-CRYPT}",
	"{BLF-CRYPT}",
	"{SHA256-CRYPT}",
	"{MD5-CRYPT}",
	"{MD5}",
	"{SHA512-CRYPT}$6$AgP5Bs4NrT9GB9z4$23m0daFYidGtEzSXvy.e9uvWe1nMrytPx2nIAERTbl5/TLr0T3aC0O0u"
	"0TiIgJESN4hV3Czxhw1b0/YD3Hs6g",
	"{SHA512-CRYPT}$6$AgP5Bs4NrT9GB9z4$",
	"{SHA512-CRYPT}$6$abc",
	"{SHA256-CRYPT}$5$rounds=1000$G7B3KpH7RFJVH6q4$abc",
	"{BLF-CRYPT}$2y$05$OvJteimOxjf6sw.MSMiZ3OKzBsxRW8hoZRJi5WCyUFcdH4mdBGS4",
	"{BLF-CRYPT}$2y$99$OvJteimOxjf6sw.MSMiZ3OKzBsxRW8hoZRJi5WCyUFcdH4mdBGS4a",
	"{MD5-CRYPT}$1$3W0tabvc$ghXNhIyJ9pUg6IQxg3eCq",
	"{MD5-CRYPT}2ahg0MwA6gPi6",
	"{DES-CRYPT}2ahg0MwA6gPi6X",
	"{DES-CRYPT}2a",
	"{CRYPT}$9$nosuchmethod",
	"{CRYPT}hello world",
	"{MD5}garbage",
	"{MD5}a8f6830bce790a8a67fc2e84e12093",
	"{MD5}$1$",
	/* digests: empty, truncated, bad base64, bad hex, wrong length */
	"{SHA}",
	"{SHA}0vxRJJChUDZGC1SJQBQ51tpUB/o",
	"{SHA}0vxRJJChUDZGC1SJQBQ51tpUB/o=AA",
	"{SHA}0vxRJJChUDZGC1SJQBQ51tpUB/o==",
	"{SHA}0vxRJJChUDZGC1SJQBQ51tpU",
	"{SHA}0vxRJJChUDZGC1SJQBQ51tp!B/o=",
	"{SHA}d2fc512490a15036460b5489401439d6da5407fg",
	"{SHA}d2fc512490a15036460b54894014 39d6da5407fa",
	"{SHA.HEX}0vxRJJChUDZGC1SJQBQ51tpUB/o=",
	"{SHA.HEX}d2fc512490a15036460b5489401439d6da5407f",
	"{SHA.B64}d2fc512490a15036460b5489401439d6da5407fa",
	"{SHA256}E4CWaPtDY4Zwb2fcsFLtWEoEuhaowCoX1m00ww/O2i==",
	"{SHA256.HEX}E4CWaPtDY4Zwb2fcsFLtWEoEuhaowCoX1m00ww/O2iE=",
	"{SHA512}Gd8Bqrgo+NUINrp1cJcTrtInM1344YZDkYXAbJF6Kn03cat24wfPo7a4nvGmaC1mgd3xGISHDl3hPnk/",
	"{PLAIN-MD5}",
	"{PLAIN-MD5}a8f6830bce790a8a67fc2e84e12093b",
	"{PLAIN-MD5}a8f6830bce790a8a67fc2e84e12093ba00",
	"{PLAIN-MD5}qPaDC855Copn/C6E4SCTug",
	"{LDAP-MD5}qPaDC855Copn/C6E4SCT",
	"{SSHA}",
	"{SSHA}0vxRJJChUDZGC1SJQBQ51tpUB/o=",
	"{SSHA}tuU5evDylByRcPG580NiFr/sWwKc!xmX",
	"{SSHA.HEX}bde528901bdcfa59882d10501bd1e897b4b774a1",
	"{SSHA256}SjSYAJbp931iTKlR7sFUPLn4ygt7KnDfkbt2bys=",
	"{SSHA512}AAAA",
	"{SMD5}qPaDC855Copn/C6E4SCTug==",
	"{SMD5}",
	"{PLAIN.HEX}70656e63696",
	"{PLAIN.HEX}zz",
	"{PLAIN.B64}cGVuY2l",
	/* PBKDF2 */
	"{PBKDF2}",
	"{PBKDF2}$1$",
	"{PBKDF2}$2$jTb6zd/WaNcP2oUu$5000$4918ef9e0df3eeaea65332ffb4733e73b6d61d9a",
	"{PBKDF2}$1$jTb6zd/WaNcP2oUu$5000$4918ef9e0df3eeaea65332ffb4733e73b6d61d",
	"{PBKDF2}$1$jTb6zd/WaNcP2oUu$5000$4918ef9e0df3eeaea65332ffb4733e73b6d61d9a00",
	"{PBKDF2}$1$jTb6zd/WaNcP2oUu$5000$4918ef9e0df3eeaea65332ffb4733e73b6d61dzz",
	"{PBKDF2}$1$jTb6zd/WaNcP2oUu$abc$4918ef9e0df3eeaea65332ffb4733e73b6d61d9a",
	"{PBKDF2}$1$jTb6zd/WaNcP2oUu$0$4918ef9e0df3eeaea65332ffb4733e73b6d61d9a",
	"{PBKDF2}$1$jTb6zd/WaNcP2oUu$$4918ef9e0df3eeaea65332ffb4733e73b6d61d9a",
	"{PBKDF2}$1$jTb6zd/WaNcP2oUu$-5$4918ef9e0df3eeaea65332ffb4733e73b6d61d9a",
	"{PBKDF2}$1$jTb6zd/WaNcP2oUu$99999999999$4918ef9e0df3eeaea65332ffb4733e73b6d61d9a",
	"{PBKDF2}$1$jTb6zd/WaNcP2oUu$4000000000$4918ef9e0df3eeaea65332ffb4733e73b6d61d9a",
	"{PBKDF2}$1$$5000$4918ef9e0df3eeaea65332ffb4733e73b6d61d9a",
	"{PBKDF2}$1$jTb6zd/WaNcP2oUu$5000$4918ef9e0df3eeaea65332ffb4733e73b6d61d9a$",
	"{PBKDF2}$1$jTb6zd/WaNcP2oUu$5000",
	/* ARGON2 */
	"{ARGON2ID}",
	"{ARGON2I}",
	"{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$TKzcYn/i9+5EIJ83DXtaOw$3qDIfu8n64BWWS0wcCZETvOyMM"
	"OcvhbgNgA1qBNiNd",
	"{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$TKzcYn/i9+5EIJ83DXtaOw$",
	"{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$$3qDIfu8n64BWWS0wcCZETvOyMMOcvhbgNgA1qBNiNd8",
	"{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1",
	"{ARGON2ID}$argon2id$v=19$m=65536,t=3$TKzcYn/i9+5EIJ83DXtaOw$3qDIfu8n64BWWS0wcCZETvOyMMOcvh"
	"bgNgA1qBNiNd8",
	"{ARGON2ID}$argon2id$v=19$m=99999999,t=3,p=1$TKzcYn/i9+5EIJ83DXtaOw$3qDIfu8n64BWWS0wcCZETvO"
	"yMMOcvhbgNgA1qBNiNd8",
	"{ARGON2ID}$argon2id$v=19$m=65536,t=4294967295,p=1$TKzcYn/i9+5EIJ83DXtaOw$3qDIfu8n64BWWS0wc"
	"CZETvOyMMOcvhbgNgA1qBNiNd8",
	"{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=99$TKzcYn/i9+5EIJ83DXtaOw$3qDIfu8n64BWWS0wcCZETvOyM"
	"MOcvhbgNgA1qBNiNd8",
	"{ARGON2ID}$argon2id$v=19$m=1,t=3,p=1$TKzcYn/i9+5EIJ83DXtaOw$3qDIfu8n64BWWS0wcCZETvOyMMOcvh"
	"bgNgA1qBNiNd8",
	"{ARGON2ID}$argon2d$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$rGIkFHv80HbbVcfJ0w97sfsK9BnA"
	"WBnZX527f0BBxUk",
	"{ARGON2ID}$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$!!!!dHcfDY56VMkFI7dhB6FYc8t"
	"WX6BpTALEVpUJrWY",
	"{ARGON2ID}$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$xpT6dHcfDY56VMkFI7dhB6FYc8t"
	"WX6BpTALEVpUJrWY$",
	"{ARGON2ID}argon2id",
	/* CRAM-MD5 */
	"{CRAM-MD5}",
	"{CRAM-MD5}f47ace0e2af8f6cdeb72c03243a8c87834e19104164d6a42de72d243adb4080",
	"{CRAM-MD5}7f47ace0e2af8f6cdeb72c03243a8c87834e19104164d6a42de72d243adb40",
	"{CRAM-MD5.HEX}Zq0adWu78jkLNtefnWBLHvCKNznQ72uYQ2P8lA9xyQg=",
	/* SCRAM */
	"{SCRAM-SHA-1}",
	"{SCRAM-SHA-256}",
	"{SCRAM-SHA-1}4096,EUCPFhA2HORwFMdbp8/01w==,pCr+lAjJbrkDqWERWLOPL6/t2Iw=",
	"{SCRAM-SHA-1}4096,EUCPFhA2HORwFMdbp8/01w==,pCr+lAjJbrkDqWERWLOPL6/t2Iw=,UtRVQKDue192GhYyeO"
	"waHiPghIk=,x",
	"{SCRAM-SHA-1}1,EUCPFhA2HORwFMdbp8/01w==,pCr+lAjJbrkDqWERWLOPL6/t2Iw=,UtRVQKDue192GhYyeOwaH"
	"iPghIk=",
	"{SCRAM-SHA-1}99999999999,EUCPFhA2HORwFMdbp8/01w==,pCr+lAjJbrkDqWERWLOPL6/t2Iw=,UtRVQKDue19"
	"2GhYyeOwaHiPghIk=",
	"{SCRAM-SHA-1},EUCPFhA2HORwFMdbp8/01w==,pCr+lAjJbrkDqWERWLOPL6/t2Iw=,UtRVQKDue192GhYyeOwaHi"
	"PghIk=",
	"{SCRAM-SHA-1}4096,,pCr+lAjJbrkDqWERWLOPL6/t2Iw=,UtRVQKDue192GhYyeOwaHiPghIk=",
	"{SCRAM-SHA-1}4096,EUCPFhA2HORwFMdbp8/01w=,pCr+lAjJbrkDqWERWLOPL6/t2Iw=,UtRVQKDue192GhYyeOw"
	"aHiPghIk=",
	"{SCRAM-SHA-1}4096,EUCPFhA2HORwFMdbp8/01w==,pCr+lAjJbrkDqWERWLOPL6/t2I=,UtRVQKDue192GhYyeOw"
	"aHiPghIk=",
	"{SCRAM-SHA-1}4096,EUCPFhA2HORwFMdbp8/01w==,pCr+lAjJbrkDqWERWLOPL6/t2Iw=,UtRVQKDue192GhYyeO"
	"wa",
	"{SCRAM-SHA-256}4096,a5psIUBHamNxTPwBev+lQw==,pCr+lAjJbrkDqWERWLOPL6/t2Iw=,UtRVQKDue192GhYy"
	"eOwaHiPghIk=",
	"{SCRAM-SHA-1.HEX}34303936",
	"{SCRAM-SHA-1.HEX}3430393600",
};

static void test_password_malformed(void)
{
	const char *secret = "s3cr3t-Pa55";
	const char *error;

	test_begin("password_verify: malformed stored data is an error");
	for (unsigned int i = 0; i < N_ELEMENTS(malformed); i++) {
		error = NULL;
		test_assert_idx(password_verify(secret, malformed[i], NULL, NULL, &error) == -1, i);
		test_assert_idx(error != NULL && error[0] != '\0', i);
		/* the message may be logged: never the password */
		test_assert_idx(error == NULL || strstr(error, secret) == NULL, i);
		if (test_has_failed())
			printf("  %u: %s\n", i, error != NULL ? error : "(no error)");
	}
	test_end();

	test_begin("password_verify: errors name the scheme");
	test_assert(password_verify(secret, "{SSHA}AAAA", NULL, NULL, &error) == -1);
	test_assert(str_begins(error, "SSHA: ", NULL));
	test_assert(password_verify(secret, "{SHA512-CRYPT}", NULL, NULL, &error) == -1);
	test_assert(str_begins(error, "SHA512-CRYPT: ", NULL));
	test_assert(password_verify(secret, "{UNKNOWN}x", NULL, NULL, &error) == -1);
	test_assert(strstr(error, "UNKNOWN") != NULL);
	/* a hostile scheme name comes back bounded and printable */
	test_assert(password_verify(secret, malformed[6], NULL, NULL, &error) == -1);
	test_assert(strchr(error, '\x01') == NULL && strchr(error, '\xff') == NULL);
	test_assert(strlen(error) < 80);
	test_end();
}

/* Every scheme name, with a look at the shape of what it writes. */
static const struct {
	const char *scheme;
	const char *prefix;
	size_t data_len; /* 0 = not checked */
} generate_shapes[] = {
	{ "PLAIN", "{PLAIN}" PW2, 0 },
	{ "CLEAR", "{CLEAR}" PW2, 0 },
	{ "cleartext", "{CLEARTEXT}" PW2, 0 },
	{ "PLAIN.HEX", "{PLAIN.HEX}547230", 0 },
	{ "PLAIN.b64", "{PLAIN.B64}VHIwdWI0ZG9yJjMgw7xuw69jb2Rl", 0 },
	{ "CRYPT", "{CRYPT}$2y$05$", 60 },
	{ "DES-CRYPT", "{DES-CRYPT}", 13 },
	{ "MD5-CRYPT", "{MD5-CRYPT}$1$", 34 },
	{ "SHA256-CRYPT", "{SHA256-CRYPT}$5$", 63 },
	{ "SHA512-CRYPT", "{SHA512-CRYPT}$6$", 106 },
	{ "BLF-CRYPT", "{BLF-CRYPT}$2y$05$", 60 },
	{ "MD5", "{MD5}$1$", 34 },
	{ "PLAIN-MD5", "{PLAIN-MD5}f5ca37037c8b9f0bf82f9fe640ef3e5b", 32 },
	{ "LDAP-MD5", "{LDAP-MD5}9co3A3yLnwv4L5/mQO8+Ww==", 24 },
	{ "SMD5", "{SMD5}", 28 },
	{ "SHA", "{SHA}X1tGkJNvqACMeoAndrhEmdp8d2k=", 28 },
	{ "sha1", "{SHA1}X1tGkJNvqACMeoAndrhEmdp8d2k=", 28 },
	{ "SSHA", "{SSHA}", 32 },
	{ "SHA256", "{SHA256}8xKh+iBbhCLISAyuhd4PFaL5yz9rOzYucvLWSlzWFks=", 44 },
	{ "SSHA256", "{SSHA256}", 48 },
	{ "SHA512", "{SHA512}eQdqiPxUmslkJi8WaPHZFa83AJkmDFDjskFuhGHMlPO+KmhNxkLjrUHDBNG5am7exFOs"
		    "NfusFoTqs8pU/bGjrg==",
	  88 },
	{ "SSHA512", "{SSHA512}", 92 },
	{ "SHA256.HEX", "{SHA256.HEX}f312a1fa205b8422c8480cae85de0f15a2f9cb3f6b3b362e72f2d64a5cd616"
			"4b",
	  64 },
	{ "ssha.hex", "{SSHA.HEX}", 48 },
	{ "SMD5.HEX", "{SMD5.HEX}", 40 },
	{ "PLAIN-MD5.B64", "{PLAIN-MD5.B64}9co3A3yLnwv4L5/mQO8+Ww==", 24 },
	{ "PBKDF2", "{PBKDF2}$1$", 3 + 16 + 1 + 4 + 1 + 40 },
	{ "ARGON2I", "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$", 0 },
	{ "ARGON2ID", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$", 0 },
	{ "CRAM-MD5", "{CRAM-MD5}66ad1a756bbbf2390b36d79f9d604b1ef08a3739d0ef6b984363fc940f71c908",
	  64 },
	{ "HMAC-MD5", "{HMAC-MD5}66ad1a756bbbf2390b36d79f9d604b1ef08a3739d0ef6b984363fc940f71c908",
	  64 },
	{ "CRAM-MD5.B64", "{CRAM-MD5.B64}Zq0adWu78jkLNtefnWBLHvCKNznQ72uYQ2P8lA9xyQg=", 44 },
	{ "SCRAM-SHA-1", "{SCRAM-SHA-1}4096,", 5 + 25 + 29 + 28 },
	{ "SCRAM-SHA-256", "{SCRAM-SHA-256}4096,", 5 + 25 + 45 + 44 },
	{ "SCRAM-SHA-1.HEX", "{SCRAM-SHA-1.HEX}343039362c", 2 * (5 + 25 + 29 + 28) },
};

static size_t test_data_len(const char *stored)
{
	return strlen(strchr(stored, '}') + 1);
}

static void test_password_generate(void)
{
	const char *result, *result2, *error;

	test_begin("password_generate: Dovecot's shapes, and round trip");
	for (unsigned int i = 0; i < N_ELEMENTS(generate_shapes); i++) {
		const char *scheme = generate_shapes[i].scheme;

		error = NULL;
		result = NULL;
		test_assert_idx(password_generate(PW2, scheme, "user", test_pool, &result,
						  &error) == 0,
				i);
		if (result == NULL) {
			printf("  %s: %s\n", scheme, error);
			continue;
		}
		test_assert_idx(str_begins(result, generate_shapes[i].prefix, NULL), i);
		if (generate_shapes[i].data_len != 0)
			test_assert_idx(test_data_len(result) == generate_shapes[i].data_len, i);
		test_assert_idx(password_verify(PW2, result, NULL, "user", &error) == 1, i);
		test_assert_idx(password_verify(PW, result, NULL, "user", &error) == 0, i);
		/* the same data verifies bare under the scheme as default */
		test_assert_idx(password_verify(PW2, strchr(result, '}') + 1, scheme, "user",
						&error) == 1,
				i);
		if (test_has_failed())
			printf("  %s -> %s\n", scheme, result);
	}
	test_end();

	test_begin("password_generate: salts are fresh");
	test_assert(password_generate(PW, "SSHA256", NULL, test_pool, &result, &error) == 0);
	test_assert(password_generate(PW, "SSHA256", NULL, test_pool, &result2, &error) == 0);
	test_assert(strcmp(result, result2) != 0);
	test_assert(password_generate(PW, "SHA512-CRYPT", NULL, test_pool, &result, &error) == 0);
	test_assert(password_generate(PW, "SHA512-CRYPT", NULL, test_pool, &result2, &error) == 0);
	test_assert(strcmp(result, result2) != 0);
	test_assert(password_generate(PW, "SCRAM-SHA-256", NULL, test_pool, &result, &error) == 0);
	test_assert(password_generate(PW, "SCRAM-SHA-256", NULL, test_pool, &result2, &error) ==
		    0);
	test_assert(strcmp(result, result2) != 0);
	test_end();

	test_begin("password_generate: empty password");
	test_assert(password_generate("", "SSHA512", NULL, test_pool, &result, &error) == 0);
	test_assert(password_verify("", result, NULL, NULL, &error) == 1);
	test_assert(password_verify(PW, result, NULL, NULL, &error) == 0);
	test_assert(password_generate("", "CRAM-MD5", NULL, test_pool, &result, &error) == 0);
	/* doveadm pw -s CRAM-MD5 -p '' */
	test_assert_strcmp(result,
			   "{CRAM-MD5}00747cf2ffaf11c5ea4a64979c3901fc1d20dee13f480bb598f7d8575b23e"
			   "61b");
	test_assert(password_generate("", "SHA", NULL, test_pool, &result, &error) == 0);
	test_assert_strcmp(result, "{SHA}2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
	test_end();

	test_begin("password_generate: unknown scheme");
	test_assert(password_generate(PW, "NOSUCH", NULL, test_pool, &result, &error) == -1);
	test_assert(strstr(error, "NOSUCH") != NULL);
	test_assert(password_generate(PW, "SHA.XYZ", NULL, test_pool, &result, &error) == -1);
	test_assert(password_generate(PW, "", NULL, test_pool, &result, &error) == -1);
	test_end();
}

static void test_password_generate_rounds(void)
{
	const char *result, *error;

	test_begin("password_generate_rounds");
	test_assert(password_generate_rounds(PW, "SHA512-CRYPT", NULL, 10000, test_pool, &result,
					     &error) == 0);
	test_assert(str_begins(result, "{SHA512-CRYPT}$6$rounds=10000$", NULL));
	test_assert(password_verify(PW, result, NULL, NULL, &error) == 1);
	test_assert(password_generate_rounds(PW, "SHA256-CRYPT", NULL, 1000, test_pool, &result,
					     &error) == 0);
	test_assert(str_begins(result, "{SHA256-CRYPT}$5$rounds=1000$", NULL));
	test_assert(password_verify(PW, result, NULL, NULL, &error) == 1);
	test_assert(password_generate_rounds(PW, "BLF-CRYPT", NULL, 4, test_pool, &result,
					     &error) == 0);
	test_assert(str_begins(result, "{BLF-CRYPT}$2y$04$", NULL));
	test_assert(password_verify(PW, result, NULL, NULL, &error) == 1);
	test_assert(password_generate_rounds(PW, "CRYPT", NULL, 6, test_pool, &result, &error) ==
		    0);
	test_assert(str_begins(result, "{CRYPT}$2y$06$", NULL));
	test_assert(password_verify(PW, result, NULL, NULL, &error) == 1);
	test_assert(password_generate_rounds(PW, "PBKDF2", NULL, 1000, test_pool, &result,
					     &error) == 0);
	test_assert(str_begins(result, "{PBKDF2}$1$", NULL) && strstr(result, "$1000$") != NULL);
	test_assert(password_verify(PW, result, NULL, NULL, &error) == 1);
	test_assert(password_generate_rounds(PW, "SCRAM-SHA-1", NULL, 5000, test_pool, &result,
					     &error) == 0);
	test_assert(str_begins(result, "{SCRAM-SHA-1}5000,", NULL));
	test_assert(password_verify(PW, result, NULL, NULL, &error) == 1);
	test_assert(password_generate_rounds(PW, "ARGON2ID", NULL, 1, test_pool, &result,
					     &error) == 0);
	test_assert(str_begins(result, "{ARGON2ID}$argon2id$v=19$m=65536,t=1,p=1$", NULL));
	test_assert(password_verify(PW, result, NULL, NULL, &error) == 1);

	/* out of bounds, or a scheme without rounds */
	test_assert(password_generate_rounds(PW, "SHA512-CRYPT", NULL, 999, test_pool, &result,
					     &error) == -1);
	test_assert(str_begins(error, "SHA512-CRYPT: ", NULL));
	test_assert(password_generate_rounds(PW, "BLF-CRYPT", NULL, 32, test_pool, &result,
					     &error) == -1);
	test_assert(password_generate_rounds(PW, "BLF-CRYPT", NULL, 3, test_pool, &result,
					     &error) == -1);
	test_assert(password_generate_rounds(PW, "SCRAM-SHA-256", NULL, 4095, test_pool, &result,
					     &error) == -1);
	test_assert(password_generate_rounds(PW, "PBKDF2", NULL, 10000001, test_pool, &result,
					     &error) == -1);
	test_assert(password_generate_rounds(PW, "ARGON2I", NULL, 2, test_pool, &result, &error) ==
		    -1);
	test_assert(password_generate_rounds(PW, "SHA", NULL, 5, test_pool, &result, &error) ==
		    -1);
	test_assert(password_generate_rounds(PW, "MD5-CRYPT", NULL, 5000, test_pool, &result,
					     &error) == -1);
	test_end();
}

static void test_password_scheme_names(void)
{
	const char *const *names = password_schemes_get_names();

	test_begin("password_scheme_canonical");
	test_assert_strcmp(password_scheme_canonical("clear"), "PLAIN");
	test_assert_strcmp(password_scheme_canonical("CLEARTEXT"), "PLAIN");
	test_assert_strcmp(password_scheme_canonical("sha.hex"), "SHA");
	test_assert_strcmp(password_scheme_canonical("SHA1"), "SHA");
	test_assert_strcmp(password_scheme_canonical("HMAC-MD5"), "CRAM-MD5");
	test_assert_strcmp(password_scheme_canonical("ssha512.b64"), "SSHA512");
	test_assert_strcmp(password_scheme_canonical("Scram-Sha-256"), "SCRAM-SHA-256");
	test_assert_strcmp(password_scheme_canonical("MD5"), "MD5");
	test_assert(password_scheme_canonical("PLAIN-TRUNC") == NULL);
	test_assert(password_scheme_canonical("SHA.") == NULL);
	test_assert(password_scheme_canonical(".HEX") == NULL);
	test_assert(password_scheme_canonical("") == NULL);
	test_end();

	test_begin("password_schemes_get_names");
	test_assert(str_array_find(names, "PLAIN"));
	test_assert(str_array_find(names, "CLEARTEXT"));
	test_assert(str_array_find(names, "ARGON2ID"));
	test_assert(str_array_find(names, "SCRAM-SHA-256"));
	test_assert(str_array_length(names) == 27);
	for (unsigned int i = 0; names[i] != NULL; i++)
		test_assert_idx(password_scheme_canonical(names[i]) != NULL, i);
	test_end();
}

static const char *test_hex(const void *data, size_t size)
{
	return hex_encode_pool(test_pool, data, size);
}

static void test_password_cram_md5(void)
{
	unsigned char secret[PASSWORD_CRAM_MD5_SECRET_SIZE], secret2[PASSWORD_CRAM_MD5_SECRET_SIZE];
	unsigned char digest[PASSWORD_CRAM_MD5_DIGEST_SIZE];
	const char *challenge = "<1896.697170952@postoffice.reston.mci.net>", *error;
	const char *long_pw =
		"a-very-long-password-that-is-longer-than-the-sixty-four-byte-hmac-block-size";

	test_begin("CRAM-MD5 secrets");
	/* RFC 2195 section 2: user tim, password tanstaaftanstaaf */
	test_assert(password_get_cram_md5_secret("{PLAIN}tanstaaftanstaaf", NULL, secret, &error) ==
		    1);
	password_cram_md5_hmac(secret, challenge, strlen(challenge), digest);
	test_assert_strcmp(test_hex(digest, sizeof(digest)), "b913a602c7eda7a495b4e6e7334d3890");

	/* the stored secret (doveadm) is the one computed from the plaintext */
	test_assert(password_get_cram_md5_secret("{CRAM-MD5}7f47ace0e2af8f6cdeb72c03243a8c87834e19"
						 "104164d6a42de72d243adb4080",
						 NULL, secret, &error) == 1);
	test_assert(password_get_cram_md5_secret("pencil", "CLEAR", secret2, &error) == 1);
	test_assert(memcmp(secret, secret2, sizeof(secret)) == 0);
	test_assert(password_get_cram_md5_secret("{PLAIN.B64}cGVuY2ls", NULL, secret2, &error) ==
		    1);
	test_assert(memcmp(secret, secret2, sizeof(secret)) == 0);
	test_assert(password_get_cram_md5_secret("{HMAC-MD5}7f47ace0e2af8f6cdeb72c03243a8c87834e19"
						 "104164d6a42de72d243adb4080",
						 NULL, secret2, &error) == 1);
	test_assert(memcmp(secret, secret2, sizeof(secret)) == 0);

	/* keys longer than a block are hashed first (doveadm vector) */
	password_cram_md5_secret(long_pw, strlen(long_pw), secret);
	test_assert_strcmp(test_hex(secret, sizeof(secret)),
			   "82902b2f1b35943574187704d608c93cd815f35c16339808e09df4d46006824e");

	/* the resumed HMAC is the real HMAC-MD5 */
	unsigned char expected[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	size_t expected_size;

	test_assert(password_crypto_hmac("MD5", long_pw, strlen(long_pw), challenge,
					 strlen(challenge), expected, &expected_size, &error) == 0);
	password_cram_md5_hmac(secret, challenge, strlen(challenge), digest);
	test_assert(expected_size == sizeof(digest) && memcmp(expected, digest, 16) == 0);

	/* one-way hashes cannot give it; malformed ones are errors */
	error = NULL;
	test_assert(password_get_cram_md5_secret("{SHA}0vxRJJChUDZGC1SJQBQ51tpUB/o=", NULL, secret,
						 &error) == 0);
	test_assert(error != NULL);
	test_assert(password_get_cram_md5_secret("{CRAM-MD5}abc", NULL, secret, &error) == -1);
	test_assert(password_get_cram_md5_secret("{NOSUCH}abc", NULL, secret, &error) == -1);
	test_end();
}

/* Checks a whole SCRAM exchange from the RFC against the secrets: the
   client's proof recovers a ClientKey whose hash is StoredKey, and
   ServerKey signs the exchange as the RFC's server did. */
static void test_scram_exchange(const struct password_scram_secrets *secrets,
				const char *auth_message, const char *proof_b64,
				const char *server_sig_b64)
{
	unsigned char sig[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	unsigned char client_key[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	unsigned char stored_key[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	buffer_t *proof = buffer_create_dynamic(test_pool, 64);
	string_t *str = str_new(test_pool, 64);
	size_t size;
	const char *error;

	test_assert(base64_decode(proof_b64, strlen(proof_b64), proof, &error) == 0);
	test_assert(proof->used == secrets->key_size);
	test_assert(password_crypto_hmac(secrets->digest, secrets->stored_key, secrets->key_size,
					 auth_message, strlen(auth_message), sig, &size,
					 &error) == 0);
	for (size_t i = 0; i < secrets->key_size && i < proof->used; i++)
		client_key[i] = proof->data[i] ^ sig[i];
	test_assert(password_crypto_digest(secrets->digest, client_key, secrets->key_size, NULL,
					   0, stored_key, &size, &error) == 0);
	test_assert(memcmp(stored_key, secrets->stored_key, secrets->key_size) == 0);

	test_assert(password_crypto_hmac(secrets->digest, secrets->server_key, secrets->key_size,
					 auth_message, strlen(auth_message), sig, &size,
					 &error) == 0);
	base64_encode(sig, size, str);
	test_assert_strcmp(str_c(str), server_sig_b64);
}

static void test_password_scram(void)
{
	static const char *scram_sha1 =
		"{SCRAM-SHA-1}4096,QSXCR+Q6sek8bf92,6dlGYMOdZcOPutkcNY8U2g7vK9Y=,"
		"D+CSWLOshSulAsxiupA+qs2/fTE=";
	static const char *scram_sha256 =
		"{SCRAM-SHA-256}4096,W22ZaJ0SNY7soEsUEjb6gQ==,"
		"WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,"
		"wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
	/* RFC 5802 section 5 */
	static const char *auth_sha1 =
		"n=user,r=fyko+d2lbbFgONRv9qkxdawL,"
		"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096,"
		"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j";
	/* RFC 7677 section 3 */
	static const char *auth_sha256 =
		"n=user,r=rOprNGfwEbeRWgbNEkqO,"
		"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
	struct password_scram_secrets secrets, secrets2;
	const char *error;
	buffer_t *salt = buffer_create_dynamic(test_pool, 32);

	test_begin("SCRAM secrets from Dovecot's format (RFC 5802/7677 exchanges)");
	test_assert(password_get_scram_secrets(scram_sha1, NULL, "SHA-1", test_pool, &secrets,
					       &error) == 1);
	test_assert_strcmp(secrets.hash, "SHA-1");
	test_assert(secrets.iterations == 4096 && secrets.key_size == 20 &&
		    secrets.salt_size == 12);
	test_scram_exchange(&secrets, auth_sha1, "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
			    "rmF9pqV8S7suAoZWja4dJRkFsKQ=");
	test_assert_strcmp(password_scram_secrets_format(test_pool, &secrets), scram_sha1 + 13);

	test_assert(password_get_scram_secrets(scram_sha256, NULL, "sha-256", test_pool, &secrets,
					       &error) == 1);
	test_assert(secrets.iterations == 4096 && secrets.key_size == 32 &&
		    secrets.salt_size == 16);
	test_scram_exchange(&secrets, auth_sha256, "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
			    "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
	test_assert_strcmp(password_scram_secrets_format(test_pool, &secrets), scram_sha256 + 15);
	test_end();

	test_begin("SCRAM secrets from the plaintext");
	test_assert(base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, &error) == 0);
	test_assert(password_scram_secrets_compute(PW, strlen(PW), "SHA-256", 4096, salt->data,
						   salt->used, test_pool, &secrets2, &error) == 0);
	test_assert(memcmp(secrets.stored_key, secrets2.stored_key, 32) == 0);
	test_assert(memcmp(secrets.server_key, secrets2.server_key, 32) == 0);
	test_assert_strcmp(password_scram_secrets_format(test_pool, &secrets2), scram_sha256 + 15);

	/* a PLAIN passdb serves SCRAM: fresh salt, keys that verify */
	test_assert(password_get_scram_secrets("{PLAIN}pencil", NULL, "SHA-1", test_pool, &secrets,
					       &error) == 1);
	test_assert(secrets.iterations == 4096 && secrets.salt_size == 16 &&
		    secrets.key_size == 20);
	test_assert(password_verify(PW,
				    p_strconcat(test_pool, "{SCRAM-SHA-1}",
						password_scram_secrets_format(test_pool, &secrets),
						NULL),
				    NULL, NULL, &error) == 1);
	test_assert(password_get_scram_secrets("cGVuY2ls", "PLAIN.B64", "SHA-256", test_pool,
					       &secrets, &error) == 1);
	test_assert(password_verify(PW,
				    p_strconcat(test_pool, "{SCRAM-SHA-256}",
						password_scram_secrets_format(test_pool, &secrets),
						NULL),
				    NULL, NULL, &error) == 1);
	test_end();

	test_begin("SCRAM secrets: unavailable and errors");
	error = NULL;
	test_assert(password_get_scram_secrets(scram_sha1, NULL, "SHA-256", test_pool, &secrets,
					       &error) == 0);
	test_assert(error != NULL);
	test_assert(password_get_scram_secrets("{SSHA}tuU5evDylByRcPG580NiFr/sWwKcsxmX", NULL,
					       "SHA-1", test_pool, &secrets, &error) == 0);
	test_assert(password_get_scram_secrets(scram_sha1, NULL, "SHA-512", test_pool, &secrets,
					       &error) == -1);
	test_assert(password_get_scram_secrets("{SCRAM-SHA-1}4096,abc", NULL, "SHA-1", test_pool,
					       &secrets, &error) == -1);
	test_assert(password_get_scram_secrets("{NOSUCH}x", NULL, "SHA-1", test_pool, &secrets,
					       &error) == -1);
	test_assert(password_scram_secrets_compute(PW, 6, "SHA-1", 4095, "salt", 4, test_pool,
						   &secrets, &error) == -1);
	test_assert(password_scram_secrets_compute(PW, 6, "SHA-1", 4096, "", 0, test_pool,
						   &secrets, &error) == -1);
	test_assert(password_scram_secrets_compute(PW, 6, "MD5", 4096, "salt", 4, test_pool,
						   &secrets, &error) == -1);
	test_end();
}

static void test_password_crypto(void)
{
	unsigned char out[PASSWORD_CRYPTO_MAX_DIGEST_SIZE];
	size_t size;
	const char *error;

	test_begin("password_crypto");
	/* RFC 6070 test vector 2 */
	test_assert(password_crypto_pbkdf2("SHA1", "password", 8, "salt", 4, 2, out, 20, &error) ==
		    0);
	test_assert_strcmp(test_hex(out, 20), "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
	/* RFC 4231 test case 2 */
	test_assert(password_crypto_hmac("SHA256", "Jefe", 4, "what do ya want for nothing?", 28,
					 out, &size, &error) == 0);
	test_assert_strcmp(test_hex(out, size), "5bdcc146bf60754e6a042426089575c75a003f089d27"
						 "39839dec58b964ec3843");
	test_assert(password_crypto_digest("SHA256", "ab", 2, "c", 1, out, &size, &error) == 0);
	test_assert_strcmp(test_hex(out, size), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
						 "b410ff61f20015ad");
	test_assert(password_crypto_digest_size("SHA512") == 64);
	test_assert(password_crypto_digest_size("NOSUCH") == 0);
	test_assert(password_crypto_digest("NOSUCH", "a", 1, NULL, 0, out, &size, &error) == -1);
	test_assert(password_crypto_pbkdf2("SHA1", "a", 1, "s", 1, 0, out, 20, &error) == -1);
	test_assert(password_crypto_equals("abc", 3, "abc", 3));
	test_assert(!password_crypto_equals("abc", 3, "abd", 3));
	test_assert(!password_crypto_equals("abc", 3, "abcd", 4));
	test_end();
}

static void test_password_plaintext(void)
{
	const char *plain, *error;

	test_begin("plaintext from stored entries");
	test_assert(password_get_plaintext("{PLAIN}pencil", NULL, test_pool, &plain, &error) == 1);
	test_assert_strcmp(plain, "pencil");
	test_assert(password_get_plaintext("{CLEAR}pen:cil", "SHA", test_pool, &plain, &error) ==
		    1);
	test_assert_strcmp(plain, "pen:cil");
	test_assert(password_get_plaintext("{PLAIN.B64}cGVuY2ls", NULL, test_pool, &plain,
					   &error) == 1);
	test_assert_strcmp(plain, "pencil");
	/* bare data in a plaintext default scheme */
	test_assert(password_get_plaintext("pencil", "CLEARTEXT", test_pool, &plain, &error) == 1);
	test_assert_strcmp(plain, "pencil");
	test_assert(password_get_plaintext("", "PLAIN", test_pool, &plain, &error) == 1);
	test_assert_strcmp(plain, "");

	/* one-way hashes cannot give it, and say which scheme they are */
	test_assert(password_get_plaintext("{SHA512-CRYPT}$6$salt$hash", NULL, test_pool, &plain,
					   &error) == 0);
	test_assert(strstr(error, "SHA512-CRYPT") != NULL);
	test_assert(password_get_plaintext("{CRAM-MD5}7f47ace0e2af8f6cdeb72c03243a8c87834e19"
					   "104164d6a42de72d243adb4080",
					   NULL, test_pool, &plain, &error) == 0);
	test_assert(password_get_plaintext("$1$salt$hash", "PLAIN", test_pool, &plain, &error) ==
		    0);
	test_assert(strstr(error, "MD5-CRYPT") != NULL);

	/* malformed */
	test_assert(password_get_plaintext("{PLAIN.B64}AHg=", NULL, test_pool, &plain, &error) ==
		    -1);
	test_assert(password_get_plaintext("{PLAIN.B64}!!", NULL, test_pool, &plain, &error) ==
		    -1);
	test_assert(password_get_plaintext("{NOSUCH}x", NULL, test_pool, &plain, &error) == -1);
	test_assert(password_get_plaintext("bare", NULL, test_pool, &plain, &error) == -1);
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_password_crypto,
		test_password_vectors,
		test_password_default_scheme,
		test_password_malformed,
		test_password_generate,
		test_password_generate_rounds,
		test_password_scheme_names,
		test_password_cram_md5,
		test_password_plaintext,
		test_password_scram,
		NULL,
	};

	return test_run(tests);
}
