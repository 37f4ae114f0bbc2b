META
key;value
description;pbengine demo round: Riverside co-commissioning 2026 (fictional)
country;Demo
unit;Riverside
instance;2026
date_begin;01.03.2026
date_end;31.03.2026
currency;GBP
language;en
comment;"#1: A fictional round bundled with pbengine; residents approve any number of projects."
num_projects;8
num_votes;60
budget;120000
vote_type;approval
rule;equalshares/add1
min_length;1
PROJECTS
project_id;cost;name;category;district;beneficiaries
p1;42000;Warm Hub: weekly lunch club for isolated older residents;social care;Riverside;older people
p2;18000;Safe crossing and lollipop patrol at Mill Lane school;transport;Northfield;children
p3;65000;Community orchard and food-growing beds;environment;Riverside;families
p4;12000;Befriending phone line run by volunteers;social care;Northfield;older people
p5;30000;Cycle training for adults and teenagers;transport;Eastgate;youth
p6;55000;Youth club evening sessions, two nights a week;youth;Eastgate;youth
p7;8000;Benches and shade along the river path;public space;Riverside;older people
p8;25000;Digital skills drop-in at the library;education;Northfield;adults
VOTES
voter_id;vote;district;voting_method
v001;p1,p7;Riverside;paper
v002;p1,p2,p3,p4,p5,p6;Eastgate;paper
v003;p1,p2,p7;Riverside;internet
v004;p2,p3,p6;Eastgate;paper
v005;p1;Northfield;paper
v006;p1,p2,p6,p7,p8;Eastgate;internet
v007;p5,p8;Eastgate;paper
v008;p7;Eastgate;paper
v009;p1,p2,p3,p4,p7,p8;Northfield;paper
v010;p2,p4;Northfield;paper
v011;p8;Northfield;paper
v012;p2,p3,p5,p7;Eastgate;internet
v013;p1,p4,p6,p7;Riverside;paper
v014;p2,p3;Eastgate;internet
v015;p1,p6;Eastgate;paper
v016;p1,p4,p5,p6,p8;Eastgate;paper
v017;p1,p3,p5,p6,p7,p8;Eastgate;paper
v018;p2,p4,p6,p7;Eastgate;paper
v019;p1,p3,p7,p8;Riverside;internet
v020;p1,p2,p5,p7,p8;Riverside;paper
v021;p1,p2,p3,p7,p8;Riverside;paper
v022;p1,p6;Northfield;paper
v023;p4,p5,p7;Northfield;internet
v024;p1,p2,p7,p8;Riverside;paper
v025;p2,p6,p7;Riverside;paper
v026;p2,p3,p4,p5,p6;Eastgate;paper
v027;p1,p2,p3,p4;Riverside;paper
v028;p3,p7;Eastgate;internet
v029;p1,p4,p5,p7;Eastgate;internet
v030;p2,p5,p7;Northfield;paper
v031;p1,p3,p5,p6,p7;Riverside;paper
v032;p1,p2,p3,p7,p8;Riverside;internet
v033;p6,p7;Eastgate;paper
v034;p2,p4,p5,p6;Northfield;paper
v035;p3,p5,p7;Northfield;internet
v036;p2,p5,p7,p8;Eastgate;paper
v037;p2,p6,p8;Northfield;internet
v038;p6,p7;Northfield;internet
v039;p3,p4;Eastgate;paper
v040;p4,p6;Eastgate;paper
v041;p1,p2,p4,p7;Northfield;internet
v042;p5;Eastgate;internet
v043;p2,p4;Eastgate;internet
v044;p1,p2,p6,p7,p8;Northfield;internet
v045;p1,p2,p3,p4,p7,p8;Northfield;paper
v046;p1,p2,p6,p8;Eastgate;paper
v047;p2,p6,p7;Eastgate;paper
v048;p1,p4,p7,p8;Northfield;internet
v049;p1,p3,p4,p7;Northfield;paper
v050;p2,p4,p7;Northfield;paper
v051;p5,p6,p7;Eastgate;internet
v052;p1,p3;Riverside;paper
v053;p1;Northfield;paper
v054;p2,p5,p6,p7,p8;Eastgate;paper
v055;p1,p2,p3,p7,p8;Riverside;paper
v056;p1,p2,p4,p8;Northfield;paper
v057;p2,p3,p4,p6,p7;Eastgate;paper
v058;p1;Riverside;paper
v059;p7,p8;Northfield;internet
v060;p8;Northfield;internet
