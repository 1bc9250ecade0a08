/* BODY, BODYSTRUCTURE and ENVELOPE of whole messages, compared with the
   exact text Dovecot 2.3.19 sends for the same message (taken from its
   imap process: FETCH 1 (ENVELOPE), (BODYSTRUCTURE), (BODY)). The messages
   are the fuzz corpus plus small cases for single rules. */

#include "test-common.h"
#include "message-parser.h"
#include "test-mail-common.h"

#include <stdio.h>

struct fetch_vector {
	const char *message;
	size_t size;
	const char *envelope;
	const char *bodystructure;
	const char *body;
};

static const struct fetch_vector vectors[] = {
	{
		/* 01-alternative-attachments.eml */
		"Return-Path: <alice@example.org>\r\n"
		"Received: from mx.example.org (mx.example.org [192.0.2.1])\r\n"
		"\tby mail.example.com with ESMTPS id 123\r\n"
		"\tfor <bob@example.com>; Tue, 01 Jul 2025 10:00:00 +0200\r\n"
		"From: =?UTF-8?B?QWxpY2Ugw4lsw6h2ZQ==?= <alice@example.org>\r\n"
		"To: Bob <bob@example.com>, \"Carol, Q.\" <carol@example.com>\r\n"
		"Cc: team: dave@example.com, \"Eve\" <eve@example.com>;\r\n"
		"Subject: =?UTF-8?Q?R=C3=A9union_de_l=27=C3=A9quipe?=\r\n"
		" =?UTF-8?Q?_=E2=80=94_ordre_du_jour?=\r\n"
		"Date: Tue, 01 Jul 2025 10:00:00 +0200\r\n"
		"Message-ID: <20250701100000.1234@example.org>\r\n"
		"In-Reply-To: <prev@example.com>\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"----=_Part_0_1\"\r\n"
		"\r\n"
		"This is a multi-part message in MIME format.\r\n"
		"\r\n"
		"------=_Part_0_1\r\n"
		"Content-Type: multipart/alternative; boundary=\"----=_Part_1_2\"\r\n"
		"\r\n"
		"------=_Part_1_2\r\n"
		"Content-Type: text/plain; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n"
		"\r\n"
		"Bonjour =C3=A0 tous,\r\n"
		"voici l'ordre du jour.=20\r\n"
		"Une ligne tr=C3=A8s longue qui est coup=C3=A9e par un saut de ligne doux =\r\n"
		"et qui continue ici.\r\n"
		"\r\n"
		"------=_Part_1_2\r\n"
		"Content-Type: text/html; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n"
		"\r\n"
		"<html><body><p>Bonjour =C3=A0 tous,</p></body></html>\r\n"
		"\r\n"
		"------=_Part_1_2--\r\n"
		"\r\n"
		"------=_Part_0_1\r\n"
		"Content-Type: application/pdf; name=\"=?UTF-8?Q?ordre=5Fdu=5Fjour.pdf?=\"\r\n"
		"Content-Disposition: attachment;\r\n"
		" filename*=UTF-8''ordre%20du%20jour%20%E2%80%94%202025.pdf;\r\n"
		" size=24\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"\r\n"
		"JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PD4+CmVuZG9iagp0cmFpbGVyCjw8Pj4KJSVFT0YK\r\n"
		"------=_Part_0_1\r\n"
		"Content-Type: image/png\r\n"
		"Content-Disposition: inline; filename=\"pixel.png\"\r\n"
		"Content-ID: <pixel@example.org>\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"\r\n"
		"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAA"
		"AABJRU5ErkJggg==\r\n"
		"------=_Part_0_1--\r\n"
		"",
		1817,
		"(\"Tue, 01 Jul 2025 10:00:00 +0200\" {80}\r\n"
		"=?UTF-8?Q?R=C3=A9union_de_l=27=C3=A9quipe?= =?UTF-8?Q?_=E2=80=94_ordre_du_jour?="
		" ((\"=?UTF-8?B?QWxpY2Ugw4lsw6h2ZQ==?=\" NIL \"alice\" \"example.org\")) ((\"=?UT"
		"F-8?B?QWxpY2Ugw4lsw6h2ZQ==?=\" NIL \"alice\" \"example.org\")) ((\"=?UTF-8?B?QWx"
		"pY2Ugw4lsw6h2ZQ==?=\" NIL \"alice\" \"example.org\")) ((\"Bob\" NIL \"bob\" \"ex"
		"ample.com\")(\"Carol, Q.\" NIL \"carol\" \"example.com\")) ((NIL NIL \"team\" NI"
		"L)(NIL NIL \"dave\" \"example.com\")(\"Eve\" NIL \"eve\" \"example.com\")(NIL NI"
		"L NIL NIL)) NIL \"<prev@example.com>\" \"<20250701100000.1234@example.org>\")",
		"(((\"text\" \"plain\" (\"charset\" \"UTF-8\") NIL NIL \"quoted-printable\" 147 4"
		" NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"UTF-8\") NIL NIL \"quoted-pri"
		"ntable\" 55 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"----=_Part_1_2\")"
		" NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"=?UTF-8?Q?ordre=5Fdu=5Fjour.pd"
		"f?=\") NIL NIL \"base64\" 72 NIL (\"attachment\" (\"size\" \"24\" \"filename*\" "
		"\"UTF-8''ordre%20du%20jour%20%E2%80%94%202025.pdf\")) NIL NIL)(\"image\" \"png\""
		" NIL \"<pixel@example.org>\" NIL \"base64\" 96 NIL (\"inline\" (\"filename\" \"p"
		"ixel.png\")) NIL NIL) \"mixed\" (\"boundary\" \"----=_Part_0_1\") NIL NIL NIL)",
		"(((\"text\" \"plain\" (\"charset\" \"UTF-8\") NIL NIL \"quoted-printable\" 147 4"
		")(\"text\" \"html\" (\"charset\" \"UTF-8\") NIL NIL \"quoted-printable\" 55 1) "
		"\"alternative\")(\"application\" \"pdf\" (\"name\" \"=?UTF-8?Q?ordre=5Fdu=5Fjour"
		".pdf?=\") NIL NIL \"base64\" 72)(\"image\" \"png\" NIL \"<pixel@example.org>\" N"
		"IL \"base64\" 96) \"mixed\")",
	},
	{
		/* 02-nested-rfc822.eml */
		"From: Frank <frank@example.net>\n"
		"To: Grace <grace@example.net>\n"
		"Subject: Fwd: Quarterly numbers\n"
		"Date: Wed, 2 Jul 2025 09:15:00 -0700\n"
		"Message-ID: <fwd-1@example.net>\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=outer\n"
		"\n"
		"--outer\n"
		"Content-Type: text/plain; charset=us-ascii\n"
		"\n"
		"See the forwarded message below.\n"
		"\n"
		"--outer\n"
		"Content-Type: message/rfc822\n"
		"Content-Disposition: inline\n"
		"\n"
		"From: Heidi <heidi@example.net>\n"
		"To: Frank <frank@example.net>\n"
		"Subject: Quarterly numbers\n"
		"Date: Tue, 1 Jul 2025 17:00:00 -0700\n"
		"Message-ID: <orig-1@example.net>\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/alternative; boundary=\"inner\"\n"
		"\n"
		"--inner\n"
		"Content-Type: text/plain; charset=ISO-8859-1\n"
		"Content-Transfer-Encoding: 8bit\n"
		"\n"
		"Revenue: 10\240000 \244\n"
		"--inner\n"
		"Content-Type: text/html; charset=ISO-8859-1\n"
		"\n"
		"<b>Revenue</b>\n"
		"--inner--\n"
		"\n"
		"--outer--\n"
		"",
		805,
		"(\"Wed, 2 Jul 2025 09:15:00 -0700\" \"Fwd: Quarterly numbers\" ((\"Frank\" NIL "
		"\"frank\" \"example.net\")) ((\"Frank\" NIL \"frank\" \"example.net\")) ((\"Fran"
		"k\" NIL \"frank\" \"example.net\")) ((\"Grace\" NIL \"grace\" \"example.net\")) "
		"NIL NIL NIL \"<fwd-1@example.net>\")",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 34 1 NIL NIL NI"
		"L NIL)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 432 (\"Tue, 1 Jul 2025 17:00:"
		"00 -0700\" \"Quarterly numbers\" ((\"Heidi\" NIL \"heidi\" \"example.net\")) (("
		"\"Heidi\" NIL \"heidi\" \"example.net\")) ((\"Heidi\" NIL \"heidi\" \"example.ne"
		"t\")) ((\"Frank\" NIL \"frank\" \"example.net\")) NIL NIL NIL \"<orig-1@example."
		"net>\") ((\"text\" \"plain\" (\"charset\" \"ISO-8859-1\") NIL NIL \"8bit\" 17 0 "
		"NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"ISO-8859-1\") NIL NIL \"7bit\""
		" 14 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"inner\") NIL NIL NIL) 18 "
		"NIL (\"inline\" NIL) NIL NIL) \"mixed\" (\"boundary\" \"outer\") NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 34 1)(\"message"
		"\" \"rfc822\" NIL NIL NIL \"7bit\" 432 (\"Tue, 1 Jul 2025 17:00:00 -0700\" \"Qua"
		"rterly numbers\" ((\"Heidi\" NIL \"heidi\" \"example.net\")) ((\"Heidi\" NIL \"h"
		"eidi\" \"example.net\")) ((\"Heidi\" NIL \"heidi\" \"example.net\")) ((\"Frank\""
		" NIL \"frank\" \"example.net\")) NIL NIL NIL \"<orig-1@example.net>\") ((\"text"
		"\" \"plain\" (\"charset\" \"ISO-8859-1\") NIL NIL \"8bit\" 17 0)(\"text\" \"html"
		"\" (\"charset\" \"ISO-8859-1\") NIL NIL \"7bit\" 14 0) \"alternative\") 18) \"mi"
		"xed\")",
	},
	{
		/* 03-encoded-words.eml */
		"From: =?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>\n"
		"To: (Lists) Undisclosed recipients:;,\n"
		" =?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>,\n"
		" moore@cs.utk.edu (Keith Moore)\n"
		"Cc: =?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>, <@relay.example:route@x.examp"
		"le>\n"
		"Bcc: Empty group:;\n"
		"Sender: \"Quoted \\\"Name\\\"\" <sender@example.com>\n"
		"Reply-To: broken@, @nolocal.example, <>\n"
		"Subject: =?UTF-8?B?8J+Yg/CfmIM=?= =?UTF-8?B?IHNwbGl0IA==?=  =?UTF-8?B?4oKs?= and\n"
		" =?X-UNKNOWN?Q?raw?= =?iso-8859-1?q?this=20is=20some=20text?=\n"
		"Date: Thu, 13 Feb 1969 23:32:54 -0330\n"
		"Message-ID: <1234@local.machine.example>\n"
		"In-Reply-To: <a@b> <c@d>\n"
		"\n"
		"Body.\n"
		"",
		631,
		"(\"Thu, 13 Feb 1969 23:32:54 -0330\" {131}\r\n"
		"=?UTF-8?B?8J+Yg/CfmIM=?= =?UTF-8?B?IHNwbGl0IA==?= =?UTF-8?B?4oKs?= and =?X-UNKNO"
		"WN?Q?raw?= =?iso-8859-1?q?this=20is=20some=20text?= ((\"=?ISO-8859-1?Q?Andr=E9?="
		" Pirard\" NIL \"PIRARD\" \"vm1.ulg.ac.be\")) (({13}\r\n"
		"Quoted \"Name\" NIL \"sender\" \"example.com\")) ((NIL NIL \"broken\" \"MISSING_"
		"DOMAIN\")(NIL NIL \"MISSING_MAILBOX\" \"nolocal.example\")(NIL NIL \"MISSING_MAI"
		"LBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"Undisclosed recipients\" NIL)(NIL NIL NI"
		"L NIL)(\"=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=\" NIL \"keld\" \"dkuug.dk\")(\"Ke"
		"ith Moore\" NIL \"moore\" \"cs.utk.edu\")) ((\"=?US-ASCII?Q?Keith_Moore?=\" NIL "
		"\"moore\" \"cs.utk.edu\")(NIL \"@relay.example\" \"route\" \"x.example\")) ((NIL"
		" NIL \"Empty group\" NIL)(NIL NIL NIL NIL)) \"<a@b> <c@d>\" \"<1234@local.machin"
		"e.example>\")",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1 NIL NIL NIL "
		"NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 7 1)",
	},
	{
		/* 04-rfc2231.eml */
		"Subject: parameters\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=\"b\\\"q\"\n"
		"\n"
		"--b\"q\n"
		"Content-Type: application/x-stuff;\n"
		" title*0*=us-ascii'en'This%20is%20even%20more%20;\n"
		" title*1*=%2A%2A%2Afun%2A%2A%2A%20;\n"
		" title*2=\"isn't it!\";\n"
		" name*1=\"second\";\n"
		" name*0=\"first-\"\n"
		"Content-Disposition: attachment; filename*0=\"very-long-\";\n"
		" filename*1=\"name.bin\"; creation-date=\"Wed, 12 Feb 1997 16:29:51 -0500\"\n"
		"\n"
		"AAAA\n"
		"--b\"q\n"
		"Content-Type: text/plain; charset*=utf-8''%E2%82%AC; format=flowed; delsp=yes\n"
		"Content-Language: en-GB (British), fr\n"
		"Content-Location: http://example.com/a.txt\n"
		"\n"
		"text\n"
		"--b\"q--\n"
		"",
		585,
		"(NIL \"parameters\" NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"application\" \"x-stuff\" (\"name\" \"first-second\" \"title*\" \"us-ascii'e"
		"n'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn't it!\") NIL NIL \"7bit"
		"\" 4 NIL (\"attachment\" (\"creation-date\" \"Wed, 12 Feb 1997 16:29:51 -0500\" "
		"\"filename\" \"very-long-name.bin\")) NIL NIL)(\"text\" \"plain\" (\"format\" \""
		"flowed\" \"delsp\" \"yes\" \"charset*\" \"utf-8''%E2%82%AC\" \"charset\" \"us-as"
		"cii\") NIL NIL \"7bit\" 4 0 NIL NIL (\"en-GB\" \"fr\") \"http://example.com/a.tx"
		"t\") \"mixed\" (\"boundary\" \"b\\\"q\") NIL NIL NIL)",
		"((\"application\" \"x-stuff\" (\"name\" \"first-second\" \"title*\" \"us-ascii'e"
		"n'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn't it!\") NIL NIL \"7bit"
		"\" 4)(\"text\" \"plain\" (\"format\" \"flowed\" \"delsp\" \"yes\" \"charset*\" "
		"\"utf-8''%E2%82%AC\" \"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0) \"mixed\")",
	},
	{
		/* 05-unterminated.eml */
		"Subject: unterminated\n"
		"Content-Type: multipart/mixed; boundary=xyz\n"
		"\n"
		"preamble\n"
		"--xyz\n"
		"Content-Type: multipart/alternative; boundary=abc\n"
		"\n"
		"--abc\n"
		"Content-Type: text/plain\n"
		"\n"
		"never closed\n"
		"--abc\n"
		"Content-Type: text/html\n"
		"Content-Transfer-Encoding: base64\n"
		"--xyz\n"
		"Content-Type: text/plain\n"
		"\n"
		"last part, no closing boundary and no final newline",
		325,
		"(NIL \"unterminated\" NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 0 NIL NIL N"
		"IL NIL)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"base64\" 0 0 NIL "
		"NIL NIL NIL) \"alternative\" (\"boundary\" \"abc\") NIL NIL NIL)(\"text\" \"plai"
		"n\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 51 0 NIL NIL NIL NIL) \"mixed\" "
		"(\"boundary\" \"xyz\") NIL NIL NIL)",
		"(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 0)(\"text\""
		" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"base64\" 0 0) \"alternative\")(\""
		"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 51 0) \"mixed\")",
	},
	{
		/* 06-boundary-prefixes.eml */
		"Subject: boundaries that look alike\n"
		"Content-Type: multipart/mixed; boundary=\"b\"\n"
		"\n"
		"--b\n"
		"Content-Type: multipart/alternative; boundary=\"b2\"\n"
		"\n"
		"--b2\n"
		"Content-Type: text/plain\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"LS1iMgo=\n"
		"-- signature\n"
		"---b2\n"
		"--b2x is still a b2 boundary\n"
		"--b2--\n"
		"--b\n"
		"Content-Type: application/octet-stream\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"--not-a-boundary--\n"
		"QUJD\n"
		"--b--   \n"
		"epilogue\n"
		"",
		386,
		"(NIL \"boundaries that look alike\" NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"base64\" 29 2 NIL NIL"
		" NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL"
		" NIL NIL NIL) \"alternative\" (\"boundary\" \"b2\") NIL NIL NIL)(\"application\""
		" \"octet-stream\" NIL NIL NIL \"base64\" 24 NIL NIL NIL NIL) \"mixed\" (\"bounda"
		"ry\" \"b\") NIL NIL NIL)",
		"(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"base64\" 29 2)(\"text"
		"\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"alternative\")("
		"\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 24) \"mixed\")",
	},
	{
		/* 07-nuls-and-junk.eml */
		"Subject : obsolete\000syntax\n"
		"No colon on this line\n"
		" continued junk\n"
		"X-Empty:\n"
		"X-CR: a\rb\n"
		"From: nul\000@example.com\n"
		"To: \"unterminated <x@y>\n"
		"Content-Type: text/plain; charset=\"utf-8\n"
		"Content-Transfer-Encoding: quoted-printable\n"
		"\n"
		"caf=C3=A9 =ZZ =\r\n"
		"= trailing \t\n"
		"line with \000 nul and lone \r cr\n"
		"",
		276,
		"(NIL {17}\r\n"
		"obsolete\357\277\275syntax ((NIL NIL \"nul\" \"MISSING_DOMAIN\")) ((NIL NIL \"nu"
		"l\" \"MISSING_DOMAIN\")) ((NIL NIL \"nul\" \"MISSING_DOMAIN\")) ((NIL NIL \"MISS"
		"ING_MAILBOX\" \"MISSING_DOMAIN\")) NIL NIL NIL NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"quoted-printable\" 62 3"
		" NIL NIL NIL NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"quoted-printable\" 62 3)",
	},
	{
		/* 08-header-only.eml */
		"From: a@example.com\n"
		"Subject: no body and no newline at the end",
		62,
		"(NIL \"no body and no newline at the end\" ((NIL NIL \"a\" \"example.com\")) ((N"
		"IL NIL \"a\" \"example.com\")) ((NIL NIL \"a\" \"example.com\")) NIL NIL NIL NIL"
		" NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL "
		"NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)",
	},
	{
		/* 09-digest.eml */
		"Subject: digest\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/digest; boundary=\"---- next message ----\"\n"
		"\n"
		"------ next message ----\n"
		"\n"
		"From: one@example.com\n"
		"Subject: first\n"
		"\n"
		"one\n"
		"------ next message ----\n"
		"Content-Type: text/plain\n"
		"\n"
		"not a message\n"
		"------ next message ----\n"
		"\n"
		"Subject: third\n"
		"Content-Type: multipart/mixed; boundary=z\n"
		"\n"
		"--z\n"
		"\n"
		"inner\n"
		"--z--\n"
		"------ next message ------\n"
		"",
		362,
		"(NIL \"digest\" NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 44 (NIL \"first\" ((NIL NIL \"one"
		"\" \"example.com\")) ((NIL NIL \"one\" \"example.com\")) ((NIL NIL \"one\" \"exa"
		"mple.com\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\")"
		" NIL NIL \"7bit\" 3 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)(\"text\" \"plain\" (\""
		"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 0 NIL NIL NIL NIL)(\"message\" \"rfc"
		"822\" NIL NIL NIL \"7bit\" 82 (NIL \"third\" NIL NIL NIL NIL NIL NIL NIL NIL) (("
		"\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0 NIL NIL NIL N"
		"IL) \"mixed\" (\"boundary\" \"z\") NIL NIL NIL) 7 NIL NIL NIL NIL) \"digest\" ("
		"\"boundary\" \"---- next message ----\") NIL NIL NIL)",
		"((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 44 (NIL \"first\" ((NIL NIL \"one"
		"\" \"example.com\")) ((NIL NIL \"one\" \"example.com\")) ((NIL NIL \"one\" \"exa"
		"mple.com\")) NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\")"
		" NIL NIL \"7bit\" 3 0) 3)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		"\"7bit\" 13 0)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 82 (NIL \"third\" NIL"
		" NIL NIL NIL NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NI"
		"L NIL \"7bit\" 5 0) \"mixed\") 7) \"digest\")",
	},
	{
		/* 12-crlf-mixed.eml */
		"Content-Type: multipart/mixed; boundary=m\r\n"
		"\r\n"
		"--m \t\r\n"
		"Content-Type: text/plain\r\n"
		"--m\r\n"
		"\r\n"
		"\r\n"
		"--m\r\n"
		"Content-Type: text/plain\n"
		"\n"
		"lf only\n"
		"\n"
		"--m\r\n"
		"\r\n"
		"crlf then lf\r\n"
		"line\n"
		"\r\n"
		"--m--\r\n"
		"",
		162,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL"
		" NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL"
		" NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 9 1 NIL"
		" NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 20 "
		"2 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"m\") NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)(\"text\" "
		"\"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)(\"text\" \"plain\" ("
		"\"charset\" \"us-ascii\") NIL NIL \"7bit\" 9 1)(\"text\" \"plain\" (\"charset\" "
		"\"us-ascii\") NIL NIL \"7bit\" 20 2) \"mixed\")",
	},
	{
		/* 14-empty.eml */
		"",
		0,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL "
		"NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)",
	},
	{
		/* addr */
		"From: foo\n"
		"To: @a,@b:user@dom.ain, \"\" <x@y>, (comment) bar@baz (Name),  Undisclosed recip"
		"ients:;\n"
		"Cc: <@route:a@b>\n"
		"Sender: =?UTF-8?B?w6lsw6h2ZQ==?= <e@x>\n"
		"Reply-To: a@, @b, <>\n"
		"Subject: \tspaced\t  out  \n"
		"In-Reply-To: <a@b>\n"
		"Message-Id: <x@y>\n"
		"\n"
		"body",
		240,
		"(NIL {10}\r\n"
		"spaced out ((NIL NIL \"foo\" \"MISSING_DOMAIN\")) ((\"=?UTF-8?B?w6lsw6h2ZQ==?=\""
		" NIL \"e\" \"x\")) ((NIL NIL \"a\" \"MISSING_DOMAIN\")(NIL NIL \"MISSING_MAILBOX"
		"\" \"b\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((NIL NIL \"MISSING_M"
		"AILBOX\" \"a\")(NIL NIL \"MISSING_MAILBOX\" \"b\")) ((NIL \"@route\" \"a\" \"b\""
		")) NIL \"<a@b>\" \"<x@y>\")",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0 NIL NIL NIL "
		"NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0)",
	},
	{
		/* ct1 */
		"Content-Type: TEXT/Plain; FORMAT=flowed; Foo=\"a\\\"b\"; bar=\n"
		"\n"
		"x\n"
		"",
		61,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(\"TEXT\" \"Plain\" (\"FORMAT\" \"flowed\" \"Foo\" \"a\\\"b\" \"bar\" \"\" \"cha"
		"rset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)",
		"(\"TEXT\" \"Plain\" (\"FORMAT\" \"flowed\" \"Foo\" \"a\\\"b\" \"bar\" \"\" \"cha"
		"rset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
	},
	{
		/* ct10 */
		"Content-Type: multipart/mixed; boundary=b\n"
		"\n"
		"--b\n"
		"Content-Type: multipart/mixed; boundary=b\n"
		"\n"
		"--b\n"
		"\n"
		"in\n"
		"--b--\n"
		"after\n"
		"--b--\n"
		"",
		116,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 2 0 NIL NIL NI"
		"L NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL) \"mixed\" (\"boundary\" \"b\""
		") NIL NIL NIL)",
		"(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 2 0) \"mixed\""
		") \"mixed\")",
	},
	{
		/* ct11 */
		"Content-Type: text/plain; charset=us-ascii (comment); name = \"x y\" ; ; z\n"
		"\n"
		"b",
		75,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\" \"name\" \"x y\") NIL NIL \"7bit\""
		" 1 0 NIL NIL NIL NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\" \"name\" \"x y\") NIL NIL \"7bit\""
		" 1 0)",
	},
	{
		/* ct12 */
		"Content-Type: ;\n"
		"Content-Disposition: ;a=b\n"
		"\n"
		"b",
		44,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(\"\" \"\" NIL NIL NIL \"7bit\" 1 NIL (\"\" (\"a\" \"b\")) NIL NIL)",
		"(\"\" \"\" NIL NIL NIL \"7bit\" 1)",
	},
	{
		/* ct2 */
		"Content-Type: text\n"
		"Content-Transfer-Encoding: X-UUE\n"
		"\n"
		"x\n"
		"",
		55,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(\"text\" \"\" (\"charset\" \"us-ascii\") NIL NIL \"X-UUE\" 3 1 NIL NIL NIL NIL)",
		"(\"text\" \"\" (\"charset\" \"us-ascii\") NIL NIL \"X-UUE\" 3 1)",
	},
	{
		/* ct3 */
		"Content-Type: multipart/mixed\n"
		"\n"
		"--b\n"
		"\n"
		"x\n"
		"--b--\n"
		"",
		44,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL"
		" NIL) \"mixed\" NIL NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")",
	},
	{
		/* ct4 */
		"Content-Type: multipart/mixed; boundary=b\n"
		"\n"
		"preamble only\n"
		"",
		57,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL"
		" NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")",
	},
	{
		/* ct5 */
		"Content-Type: message/rfc822\n"
		"\n"
		"Subject: s\n"
		"\n"
		"body\n"
		"",
		47,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 20 (NIL \"s\" NIL NIL NIL NIL NIL N"
		"IL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1 "
		"NIL NIL NIL NIL) 3 NIL NIL NIL NIL)",
		"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 20 (NIL \"s\" NIL NIL NIL NIL NIL N"
		"IL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1)"
		" 3)",
	},
	{
		/* ct6 */
		"Content-Type: application/x; name=\"caf\303\251.txt\"\n"
		"Content-Disposition: attachment; filename=\"a\\\\b c\"\n"
		"\n"
		"",
		98,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(\"application\" \"x\" (\"name\" {9}\r\n"
		"caf\303\251.txt) NIL NIL \"7bit\" 0 NIL (\"attachment\" (\"filename\" \"a\\\\b c"
		"\")) NIL NIL)",
		"(\"application\" \"x\" (\"name\" {9}\r\n"
		"caf\303\251.txt) NIL NIL \"7bit\" 0)",
	},
	{
		/* ct7 */
		"Content-Type: text/plain; charset=\"utf-8\"; name=\n"
		" Foo.txt\n"
		"Content-Disposition: INLINE\n"
		"Content-Language: EN\n"
		"Content-Type: text/html\n"
		"\n"
		"b\n"
		"",
		134,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(\"text\" \"plain\" (\"charset\" \"utf-8\" \"name\" \"Foo.txt\") NIL NIL \"7bit"
		"\" 3 1 NIL (\"INLINE\" NIL) (\"EN\") NIL)",
		"(\"text\" \"plain\" (\"charset\" \"utf-8\" \"name\" \"Foo.txt\") NIL NIL \"7bit"
		"\" 3 1)",
	},
	{
		/* ct8 */
		"Content-Type: multipart/alternative; boundary=\"=_a\"\n"
		"\n"
		"--=_a\n"
		"Content-Type: message/rfc822\n"
		"\n"
		"--=_a--\n"
		"",
		97,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 0 (NIL NIL NIL NIL NIL NIL NIL NIL"
		" NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NI"
		"L NIL NIL NIL) 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"=_a\") NIL NIL"
		" NIL)",
		"((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 0 (NIL NIL NIL NIL NIL NIL NIL NIL"
		" NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) 0"
		") \"alternative\")",
	},
	{
		/* ct9 */
		"Content-Type: message/rfc822\n"
		"\n"
		"",
		30,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 0 (NIL NIL NIL NIL NIL NIL NIL NIL "
		"NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL"
		" NIL NIL NIL) 0 NIL NIL NIL NIL)",
		"(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 0 (NIL NIL NIL NIL NIL NIL NIL NIL "
		"NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) 0)",
	},
	{
		/* deep8 */
		"Subject: deep\n"
		"Content-Type: multipart/mixed; boundary=b0\n"
		"\n"
		"--b0\n"
		"Content-Type: multipart/mixed; boundary=b1\n"
		"\n"
		"--b1\n"
		"Content-Type: multipart/mixed; boundary=b2\n"
		"\n"
		"--b2\n"
		"Content-Type: multipart/mixed; boundary=b3\n"
		"\n"
		"--b3\n"
		"Content-Type: multipart/mixed; boundary=b4\n"
		"\n"
		"--b4\n"
		"Content-Type: multipart/mixed; boundary=b5\n"
		"\n"
		"--b5\n"
		"Content-Type: multipart/mixed; boundary=b6\n"
		"\n"
		"--b6\n"
		"Content-Type: multipart/mixed; boundary=b7\n"
		"\n"
		"--b7\n"
		"Content-Type: text/plain\n"
		"\n"
		"leaf\n"
		"--b7--\n"
		"--b6--\n"
		"--b5--\n"
		"--b4--\n"
		"--b3--\n"
		"--b2--\n"
		"--b1--\n"
		"--b0--\n"
		"",
		493,
		"(NIL \"deep\" NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(((((((((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0 NIL "
		"NIL NIL NIL) \"mixed\" (\"boundary\" \"b7\") NIL NIL NIL) \"mixed\" (\"boundary"
		"\" \"b6\") NIL NIL NIL) \"mixed\" (\"boundary\" \"b5\") NIL NIL NIL) \"mixed\" ("
		"\"boundary\" \"b4\") NIL NIL NIL) \"mixed\" (\"boundary\" \"b3\") NIL NIL NIL) "
		"\"mixed\" (\"boundary\" \"b2\") NIL NIL NIL) \"mixed\" (\"boundary\" \"b1\") NIL"
		" NIL NIL) \"mixed\" (\"boundary\" \"b0\") NIL NIL NIL)",
		"(((((((((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0) \"m"
		"ixed\") \"mixed\") \"mixed\") \"mixed\") \"mixed\") \"mixed\") \"mixed\") \"mixe"
		"d\")",
	},
	{
		/* dup */
		"Subject: first\n"
		"Subject: second\n"
		"From: a@b\n"
		"From: c@d\n"
		"Date: x\n"
		"Date: y\n"
		"Message-ID: <1@x>\n"
		"Message-ID: <2@x>\n"
		"To: t\000u@v\n"
		"\n"
		"b\000dy\n"
		"",
		119,
		"(\"y\" \"second\" ((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")) ((NIL NIL \"a\" "
		"\"b\")(NIL NIL \"c\" \"d\")) ((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")) ((NIL "
		"NIL \"t\" \"MISSING_DOMAIN\")) NIL NIL NIL \"<2@x>\")",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1 NIL NIL NIL "
		"NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1)",
	},
	{
		/* e1 */
		"Subject: a\000b\n"
		"Message-ID:  <a@b> (comment)  \n"
		"In-Reply-To:\n"
		" <x@y> <c@d>\n"
		"Date:\n"
		"\n"
		"x",
		78,
		"(\"\" {5}\r\n"
		"a\357\277\275b NIL NIL NIL NIL NIL NIL \" <x@y> <c@d>\" \"<a@b> (comment)  \")",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL "
		"NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0)",
	},
	{
		/* e2 */
		"Subject:\n"
		"From: \"\" <x@y>, (Only Comment) <a@b>, bar@baz (Name), \"q\" (c) <d@e>\n"
		"\n"
		"x",
		79,
		"(NIL \"\" ((NIL NIL \"x\" \"y\")(NIL NIL \"a\" \"b\")(\"Name\" NIL \"bar\" \"baz"
		"\")(\"q\" NIL \"d\" \"e\")) ((NIL NIL \"x\" \"y\")(NIL NIL \"a\" \"b\")(\"Name\""
		" NIL \"bar\" \"baz\")(\"q\" NIL \"d\" \"e\")) ((NIL NIL \"x\" \"y\")(NIL NIL \"a"
		"\" \"b\")(\"Name\" NIL \"bar\" \"baz\")(\"q\" NIL \"d\" \"e\")) NIL NIL NIL NIL "
		"NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL "
		"NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0)",
	},
	{
		/* e3 */
		"Content-ID:  <a@b> (c)\n"
		"Content-Description:  x \000 y  \n"
		"Content-Location: \n"
		" http://a/b c\n"
		"Content-MD5: \tabc \n"
		"Content-Language: en (x), (y) de-DE ,\n"
		"Content-Disposition: attachment (c); filename=foo[1].txt; x=a b\n"
		"Content-Type: text/plain; charset=foo bar; name=a\"b\n"
		"\n"
		"x",
		261,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(\"text\" \"plain\" (\"charset\" \"foo\" \"name\" \"a\") \"<a@b> (c)\" {9}\r\n"
		"x \357\277\275 y   \"7bit\" 1 0 \"abc \" (\"attachment\" (\"filename\" \"foo\" "
		"\"x\" \"a\")) (\"en\" \"de-DE\") \" http://a/b c\")",
		"(\"text\" \"plain\" (\"charset\" \"foo\" \"name\" \"a\") \"<a@b> (c)\" {9}\r\n"
		"x \357\277\275 y   \"7bit\" 1 0)",
	},
	{
		/* e4 */
		"Content-Type: multipart/digest; boundary=d\n"
		"\n"
		"--d\n"
		"\n"
		"Subject: in digest\n"
		"\n"
		"hi\n"
		"--d\n"
		"Content-Type: text/plain\n"
		"\n"
		"plain\n"
		"--d--\n"
		"",
		114,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 24 (NIL \"in digest\" NIL NIL NIL "
		"NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7b"
		"it\" 2 0 NIL NIL NIL NIL) 2 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"u"
		"s-ascii\") NIL NIL \"7bit\" 5 0 NIL NIL NIL NIL) \"digest\" (\"boundary\" \"d\")"
		" NIL NIL NIL)",
		"((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 24 (NIL \"in digest\" NIL NIL NIL "
		"NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7b"
		"it\" 2 0) 2)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0)"
		" \"digest\")",
	},
	{
		/* e5 */
		"Content-Type: multipart/mixed; boundary=b\n"
		"\n"
		"--b  \n"
		"Content-Type: text/plain\n"
		"\n"
		"x\n"
		"--b--",
		82,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL"
		" NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0) \"mixed\")",
	},
	{
		/* e6 */
		"Content-Type: multipart/mixed; boundary=b\r\n"
		"\r\n"
		"--b\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"line1\n"
		"line2\r\n"
		"--b--\r\n"
		"",
		98,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1 NIL NIL NI"
		"L NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1) \"mixed\")",
	},
	{
		/* e7 */
		"Content-Type: multipart/mixed; boundary=\"b\"\n"
		"\n"
		"--b\n"
		"Content-Type: text/plain\n"
		"Content-Transfer-Encoding: base64\n"
		"\n"
		"aGVsbG8=\n"
		"--bb\n"
		"still\n"
		"--b--\n"
		"",
		135,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"base64\" 8 0 NIL NIL N"
		"IL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL N"
		"IL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"base64\" 8 0)(\"text\""
		" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")",
	},
	{
		/* e8 */
		"Subject: \"a\\b\"\n"
		"Content-Description: a\"b\"c\"d\"e\"\n"
		"Content-ID: a\"b\"c\"d\"e\n"
		"Content-Type: text/plain; a=\"x\\\"y\"; b=\"\\\"\\\"\\\"\\\"\\\"\"\n"
		"\n"
		"x",
		122,
		"(NIL {5}\r\n"
		"\"a\\b\" NIL NIL NIL NIL NIL NIL NIL NIL)",
		"(\"text\" \"plain\" (\"a\" \"x\\\"y\" \"b\" {5}\r\n"
		"\"\"\"\"\" \"charset\" \"us-ascii\") \"a\\\"b\\\"c\\\"d\\\"e\" {10}\r\n"
		"a\"b\"c\"d\"e\" \"7bit\" 1 0 NIL NIL NIL NIL)",
		"(\"text\" \"plain\" (\"a\" \"x\\\"y\" \"b\" {5}\r\n"
		"\"\"\"\"\" \"charset\" \"us-ascii\") \"a\\\"b\\\"c\\\"d\\\"e\" {10}\r\n"
		"a\"b\"c\"d\"e\" \"7bit\" 1 0)",
	},
	{
		/* env1 */
		"Subject: =?utf-8?q?h=C3=A9llo?= \"\\\" \200\n"
		"From: \"A\\\\B\" <a@b>, x y <c@d>\n"
		"To: undisclosed-recipients:;\n"
		"Cc: g: a@b, \"q\" <c@d> ; , e@f\n"
		"Bcc: Mary (the one) Smith <m@s> (other)\n"
		"\n"
		"",
		168,
		"(NIL {28}\r\n"
		"=?utf-8?q?h=C3=A9llo?= \"\\\" \200 (({3}\r\n"
		"A\\B NIL \"a\" \"b\")(\"x y\" NIL \"c\" \"d\")) (({3}\r\n"
		"A\\B NIL \"a\" \"b\")(\"x y\" NIL \"c\" \"d\")) (({3}\r\n"
		"A\\B NIL \"a\" \"b\")(\"x y\" NIL \"c\" \"d\")) ((NIL NIL \"undisclosed-recipien"
		"ts\" NIL)(NIL NIL NIL NIL)) ((NIL NIL \"g\" NIL)(NIL NIL \"a\" \"b\")(\"q\" NIL "
		"\"c\" \"d\")(NIL NIL NIL NIL)(NIL NIL \"e\" \"f\")) ((\"Mary Smith\" NIL \"m\" "
		"\"s\")) NIL NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL "
		"NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)",
	},
	{
		/* env2 */
		"From: \n"
		" =?utf-8?b?w6k=?= <a@b>\n"
		"To: \"a\\\"b\\\"c\\\"d\\\"e\" <x@y>\n"
		"Cc: \"a\\\"b\\\"c\\\"d\" <x@y>\n"
		"Date: Mon,\n"
		" 1 Jan 2001\n"
		"Message-ID: <a\n"
		" b@c>\n"
		"\n"
		"",
		125,
		"(\"Mon, 1 Jan 2001\" NIL ((\"=?utf-8?b?w6k=?=\" NIL \"a\" \"b\")) ((\"=?utf-8?b?"
		"w6k=?=\" NIL \"a\" \"b\")) ((\"=?utf-8?b?w6k=?=\" NIL \"a\" \"b\")) (({9}\r\n"
		"a\"b\"c\"d\"e NIL \"x\" \"y\")) (({7}\r\n"
		"a\"b\"c\"d NIL \"x\" \"y\")) NIL NIL \"<a b@c>\")",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL "
		"NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)",
	},
	{
		/* env3 */
		"From: a.b.c@d.e.f\n"
		"Cc: \"a b\"@c, a..b@c, \".a\"@b\n"
		"Bcc: x@[1.2.3.4], y@[a\\]b]\n"
		"Reply-To: group: ;\n"
		"Sender: <a@b>\n"
		"\n"
		"",
		107,
		"(NIL NIL ((NIL NIL \"a.b.c\" \"d.e.f\")) ((NIL NIL \"a\" \"b\")) ((NIL NIL \"gro"
		"up\" NIL)(NIL NIL NIL NIL)) NIL ((NIL NIL \"a b\" \"c\")(NIL NIL \"a..b\" \"c\")"
		"(NIL NIL \".a\" \"b\")) ((NIL NIL \"x\" \"[1.2.3.4]\")(NIL NIL \"y\" \"[a\\\\]b]"
		"\")) NIL NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL "
		"NIL)",
		"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)",
	},
	{
		/* longb100 */
		"Content-Type: multipart/mixed; boundary=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
		"\n"
		"--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxx\n"
		"Content-Type: text/html\n"
		"\n"
		"x\n"
		"--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxx--\n"
		"",
		377,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL "
		"NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL "
		"NIL NIL) \"mixed\" (\"boundary\" \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\") NIL NIL NIL)",
		"((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0)(\"text\" \""
		"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")",
	},
	{
		/* longb80 */
		"Content-Type: multipart/mixed; boundary=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
		"\n"
		"--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xx\n"
		"Content-Type: text/html\n"
		"\n"
		"x\n"
		"--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xx--\n"
		"",
		317,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL "
		"NIL) \"mixed\" (\"boundary\" \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\") NIL NIL NIL)",
		"((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0) \"mixed\")",
	},
	{
		/* longb81 */
		"Content-Type: multipart/mixed; boundary=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
		"\n"
		"--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxx\n"
		"Content-Type: text/html\n"
		"\n"
		"x\n"
		"--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxx--\n"
		"",
		320,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL "
		"NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL "
		"NIL NIL) \"mixed\" (\"boundary\" \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\") NIL NIL NIL)",
		"((\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0)(\"text\" \""
		"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")",
	},
	{
		/* mp1 */
		"From: a@b.c\n"
		"Content-Type: multipart/mixed; boundary=\"b\"\n"
		"\n"
		"pre\n"
		"--b\n"
		"Content-Type: text/plain\n"
		"\n"
		"hello\n"
		"--b\n"
		"\n"
		"second\n"
		"line\n"
		"\n"
		"--b--\n"
		"epi\n"
		"",
		125,
		"(NIL NIL ((NIL NIL \"a\" \"b.c\")) ((NIL NIL \"a\" \"b.c\")) ((NIL NIL \"a\" \"b"
		".c\")) NIL NIL NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0 NIL NIL NIL"
		" NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 2 NIL NI"
		"L NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0)(\"text\" "
		"\"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 2) \"mixed\")",
	},
	{
		/* mp2 */
		"Content-Type: multipart/mixed; boundary=b\n"
		"\n"
		"--b\n"
		"Content-Type: text/plain\n"
		"\n"
		"--b\n"
		"Content-Type: text/html\n"
		"--b\n"
		"X: y\n"
		"\n"
		"z\n"
		"--b--",
		118,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL"
		" NIL)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL "
		"NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL "
		"NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)(\"text\" "
		"\"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)(\"text\" \"plain\" (\""
		"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0) \"mixed\")",
	},
	{
		/* params */
		"Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
		"\r\n"
		"--XX\r\n"
		"Content-Type: text/plain; charset=ISO-8859-1; format=flowed\r\n"
		"Content-Transfer-Encoding: 8bit\r\n"
		"Content-Language: en, de\r\n"
		"\r\n"
		"caf\351\r\n"
		"--XX\r\n"
		"Content-Type: application/pdf; name=\"doc.pdf\"\r\n"
		"Content-Disposition: attachment; filename=\"doc.pdf\"; size=10\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"Content-ID: <id1@x>\r\n"
		"Content-Description: A \"PDF\"\r\n"
		"Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n"
		"Content-Location: http://x/y\r\n"
		"\r\n"
		"JVBERi0=\r\n"
		"--XX--\r\n"
		"",
		472,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"ISO-8859-1\" \"format\" \"flowed\") NIL NIL "
		"\"8bit\" 4 0 NIL NIL (\"en\" \"de\") NIL)(\"application\" \"pdf\" (\"name\" \"do"
		"c.pdf\") \"<id1@x>\" \"A \\\"PDF\\\"\" \"base64\" 8 \"Q2hlY2sgSW50ZWdyaXR5IQ==\""
		" (\"attachment\" (\"filename\" \"doc.pdf\" \"size\" \"10\")) NIL \"http://x/y\")"
		" \"mixed\" (\"boundary\" \"XX\") NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"ISO-8859-1\" \"format\" \"flowed\") NIL NIL "
		"\"8bit\" 4 0)(\"application\" \"pdf\" (\"name\" \"doc.pdf\") \"<id1@x>\" \"A \\"
		"\"PDF\\\"\" \"base64\" 8) \"mixed\")",
	},
	{
		/* rfc2231 */
		"Content-Type: multipart/mixed; boundary=b\n"
		"\n"
		"--b\n"
		"Content-Type: application/octet-stream;\n"
		" name*0=\"long\";\n"
		" name*1=\"name.txt\"\n"
		"Content-Disposition: attachment;\n"
		" filename*=utf-8''%E2%82%AC%20rates.txt\n"
		"\n"
		"x\n"
		"--b\n"
		"Content-Type: text/plain; title*0*=us-ascii'en'This%20is; title*1*=%20fun; title"
		"*2=\" yes\"\n"
		"Content-Disposition: inline\n"
		"\n"
		"y\n"
		"--b--\n"
		"",
		329,
		"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"application\" \"octet-stream\" (\"name\" \"longname.txt\") NIL NIL \"7bit\" "
		"1 NIL (\"attachment\" (\"filename*\" \"utf-8''%E2%82%AC%20rates.txt\")) NIL NIL)"
		"(\"text\" \"plain\" (\"title*\" \"us-ascii'en'This%20is%20fun yes\" \"charset\" "
		"\"us-ascii\") NIL NIL \"7bit\" 1 0 NIL (\"inline\" NIL) NIL NIL) \"mixed\" (\"bo"
		"undary\" \"b\") NIL NIL NIL)",
		"((\"application\" \"octet-stream\" (\"name\" \"longname.txt\") NIL NIL \"7bit\" "
		"1)(\"text\" \"plain\" (\"title*\" \"us-ascii'en'This%20is%20fun yes\" \"charset"
		"\" \"us-ascii\") NIL NIL \"7bit\" 1 0) \"mixed\")",
	},
	{
		/* rfc822 */
		"Subject: outer\n"
		"MIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=\"o\"\n"
		"\n"
		"--o\n"
		"Content-Type: text/plain; charset=us-ascii\n"
		"\n"
		"body\n"
		"--o\n"
		"Content-Type: message/rfc822\n"
		"\n"
		"Subject: inner\n"
		"From: x@y.z\n"
		"Content-Type: multipart/alternative; boundary=i\n"
		"\n"
		"--i\n"
		"Content-Type: text/plain\n"
		"\n"
		"t\n"
		"--i\n"
		"Content-Type: text/html; charset=\"UTF-8\"\n"
		"Content-Transfer-Encoding: quoted-printable\n"
		"\n"
		"<p>h=C3=A9</p>\n"
		"--i--\n"
		"\n"
		"--o--\n"
		"",
		391,
		"(NIL \"outer\" NIL NIL NIL NIL NIL NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0 NIL NIL NIL"
		" NIL)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 233 (NIL \"inner\" ((NIL NIL "
		"\"x\" \"y.z\")) ((NIL NIL \"x\" \"y.z\")) ((NIL NIL \"x\" \"y.z\")) NIL NIL NIL "
		"NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NI"
		"L NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"UTF-8\") NIL NIL \"quoted-printa"
		"ble\" 14 0 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"i\") NIL NIL NIL) 14"
		" NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"o\") NIL NIL NIL)",
		"((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0)(\"message"
		"\" \"rfc822\" NIL NIL NIL \"7bit\" 233 (NIL \"inner\" ((NIL NIL \"x\" \"y.z\")) "
		"((NIL NIL \"x\" \"y.z\")) ((NIL NIL \"x\" \"y.z\")) NIL NIL NIL NIL NIL) ((\"tex"
		"t\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0)(\"text\" \"html\""
		" (\"charset\" \"UTF-8\") NIL NIL \"quoted-printable\" 14 0) \"alternative\") 14)"
		" \"mixed\")",
	},
};

static void test_fetch_vectors(void)
{
	test_begin("imap bodystructure/envelope vs Dovecot");
	for (unsigned int i = 0; i < N_ELEMENTS(vectors); i++) {
		const struct fetch_vector *v = &vectors[i];
		struct message_part *root =
			message_parse_buffer(test_pool, v->message, v->size, NULL);

		test_assert_strcmp(test_mail_envelope(test_pool, root), v->envelope);
		test_assert_strcmp(test_mail_bodystructure(test_pool, root, true),
				   v->bodystructure);
		test_assert_strcmp(test_mail_bodystructure(test_pool, root, false), v->body);
		if (test_has_failed()) {
			printf("vector %u failed\n", i);
			break;
		}
	}
	test_end();
}

static void test_fetch_vectors_split(void)
{
	test_begin("imap bodystructure: input split at every byte");
	for (unsigned int i = 0; i < N_ELEMENTS(vectors); i++) {
		const struct fetch_vector *v = &vectors[i];

		for (size_t split = 0; split <= v->size; split++) {
			struct message_part *root;

			(void)test_mail_parse_dump(test_pool, v->message, v->size, &split, 1,
						   &root);
			test_assert_idx(strcmp(test_mail_bodystructure(test_pool, root, true),
					       v->bodystructure) == 0,
					i * 100000 + split);
			test_assert_idx(strcmp(test_mail_envelope(test_pool, root),
					       v->envelope) == 0,
					i * 100000 + split);
			if (test_has_failed())
				break;
		}
		if (test_has_failed())
			break;
		pool_clear(test_pool);
	}
	test_end();
}

int main(void)
{
	static void (*const tests[])(void) = {
		test_fetch_vectors,
		test_fetch_vectors_split,
		NULL,
	};
	return test_run(tests);
}
